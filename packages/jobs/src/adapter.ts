// pg-boss 10.x talks to the database through `db.executeSql(text, values)` (node-postgres
// conventions). This adapter runs it on our postgres.js client, so pg-boss reaches PostgreSQL and
// the embedded store (the owner's socket) the same way every other cqt client does (decision 85).
import type { Sql } from 'postgres';

export interface ExecuteSql {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number }>;
}

export interface QueueSql extends ExecuteSql {
  /** Resolves once no statement is under way (or after timeoutMs). */
  settled(timeoutMs: number): Promise<void>;
  /** The queue has stopped: a statement pg-boss still sends after (an outcome it did not await)
   * and that meets the closed store is dropped (left pending) instead of thrown where nobody
   * catches it. */
  close(): void;
}

/** node-postgres sends undefined as NULL; postgres.js refuses it. (Objects need nothing: pg-boss
 * casts them to json(b), whose serializer postgres.js picks from the statement's description.) */
const toParam = (value: unknown): unknown => (value === undefined ? null : value);

// A lost connection (server restart, pg_terminate_backend, the embedded store's owner replaced):
// postgres.js opens a new one on the next query. Anything else is not retried.
const LOST = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', 'CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOENT']);
export const isConnectionLost = (err: unknown): boolean => LOST.has(String((err as { code?: unknown })?.code));

export interface RetryOptions {
  /** Give up after this long without a connection; the error then reaches pg-boss. Default 60 s. */
  lostForMs?: number;
}

export function executeSqlOn(sql: Sql, retry: RetryOptions = {}): QueueSql {
  const lostForMs = retry.lostForMs ?? 60_000;
  let underWay = 0;
  let closed = false;
  const once = async (text: string, values?: unknown[]): Promise<unknown> => {
    if (values && values.length) {
      const params = values.map(toParam);
      // insert() (many jobs) is the one plan pg-boss hands a pre-stringified json: node-postgres
      // sends a string as it is, postgres.js would encode it again (a json string, not an array).
      if (typeof params[0] === 'string' && text.includes('json_to_recordset($1)')) params[0] = JSON.parse(params[0]);
      return sql.unsafe(text, params as never[]);
    }
    // Without parameters pg-boss may send several statements, `BEGIN; …; COMMIT;` among them
    // (its locked() plans): the simple protocol runs them, and postgres.js allows a
    // transaction only on a connection of its own.
    const conn = await sql.reserve();
    try {
      return await conn.unsafe(text).simple();
    } catch (err) {
      // A statement failed inside its `BEGIN; …`: end that transaction before the connection goes
      // back to the pool, or every later statement on it fails ("current transaction is aborted").
      await conn.unsafe('rollback').catch(() => {});
      throw err;
    } finally {
      conn.release();
    }
  };
  const run = async (text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number }> => {
    // pg-boss does not await its complete/fail after a job (manager.js onFetch), so a rejection
    // there is unhandled and ends the process: the "workers exit on a database restart" that
    // users report. Its statements are safe to repeat after a lost connection (state-guarded
    // updates; a fetch whose reply was lost leaves a job active until its expiry, then retried),
    // so they are retried here until the connection is back (decision 105).
    const started = Date.now();
    let result: unknown;
    for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
      try {
        result = await once(text, values);
        break;
      } catch (err) {
        if (closed || !isConnectionLost(err) || Date.now() - started > lostForMs) throw err;
        await new Promise((r) => setTimeout(r, wait));
      }
    }
    // Several statements answer one result each; node-postgres callers read the last one.
    const rows = Array.isArray(result) && result.length && Array.isArray(result[result.length - 1]) ? result[result.length - 1] : result;
    return { rows: Array.from(rows as Iterable<unknown>), rowCount: (rows as { count?: number }).count ?? 0 };
  };
  return {
    close() {
      closed = true;
    },
    async settled(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (underWay > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    },
    async executeSql(text, values) {
      underWay++;
      try {
        return await run(text, values);
      } catch (err) {
        // Never settles: pg-boss would read a made-up result, and nobody waits for this one.
        // sql.end's time-out destroys connections with statements still queued: CONNECTION_DESTROYED
        // (clean-clone CI: a worker stopped by SIGTERM exited 1 on that unhandled rejection).
        const code = (err as { code?: unknown }).code;
        if (closed && (code === 'CONNECTION_ENDED' || code === 'CONNECTION_DESTROYED')) return new Promise<never>(() => {});
        throw err;
      } finally {
        underWay--;
      }
    },
  };
}
