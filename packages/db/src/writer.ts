// The bulk writer every ingest path uses: rows are queued (bounded, with back-pressure) and sent in
// batches, because a round trip per row (~1 ms) falls behind in bursts; and upserted on the table's
// key, because exchanges replay recent messages after a reconnect and one duplicate must not fail
// a whole batch. Each batch is one INSERT … SELECT FROM unnest(<typed array>…) ON CONFLICT on both
// backends (why not COPY: docs/decisions.md, decisions 5 and 157).
// A batch that fails on its data (SQLSTATE 22/23) is bisected so only the offending rows are
// refused; any other failure (database away, not accepting connections, …) is retried until the
// batch lands, so nothing collected is thrown away for a reason that is not the data's. Only
// close(timeout) ends the retrying, because a process must be able to stop during an outage; what
// is left then is counted and, with a spill dir, saved to a file the next start replays.
import { unlinkSync } from 'node:fs';
import { getTableConfig, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';
import type { Db } from './open.js';
import { isDataError } from './errors.js';
import { tables, type TableName } from './schema.js';
import { listSpillFiles, readSpillFile, writeSpillFile, type SpillHeader, type SpillRow } from './spill.js';

export type RowOf<T extends TableName> = (typeof tables)[T]['$inferInsert'];

export interface WriterOptions {
  /** Rows per database round trip. */
  batchRows?: number;
  /** A partial batch is sent after this long. */
  flushIntervalMs?: number;
  /** Queue bound; write() waits (back-pressure) or drops, per `overflow`, beyond it. */
  maxQueueRows?: number;
  /** 'block': write() waits for room. 'drop': the rows that do not fit are dropped and counted. */
  overflow?: 'block' | 'drop';
  /** 'update' replaces non-key columns of an existing row; 'ignore' keeps the existing row. */
  onConflict?: 'update' | 'ignore';
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Rows refused (non-finite numbers, values the database rejects), with the reason; the rest
   * of the batch is kept. Counted in stats.rejected either way. */
  onReject?: (rows: unknown[], reason: string) => void;
  /** Rows dropped because the queue was full ('drop' overflow). */
  onDrop?: (count: number) => void;
  /** A failure that will be retried (for logging / feed_events). */
  onRetry?: (err: unknown, attempt: number) => void;
  /** Where close() saves the rows it could not write (a spill file; see replaySpills). */
  spillDir?: string;
}

export interface WriterStats {
  queued: number;
  written: number;
  duplicatesInBatch: number;
  rejected: number;
  dropped: number;
  retries: number;
  batches: number;
}

interface ColumnMeta {
  prop: string;
  name: string;
  sqlType: string;
}

interface TableMeta {
  name: string;
  columns: ColumnMeta[];
  keyProps: string[];
}

const metaCache = new Map<string, TableMeta>();

export function tableMeta(name: TableName): TableMeta {
  let meta = metaCache.get(name);
  if (!meta) {
    const table = tables[name] as PgTable;
    const config = getTableConfig(table);
    const byName = new Map<string, string>();
    for (const [prop, col] of Object.entries(table as unknown as Record<string, PgColumn>)) {
      if (col && typeof col === 'object' && 'columnType' in col) byName.set(col.name, prop);
    }
    const columns = config.columns.map((c) => ({ prop: byName.get(c.name)!, name: c.name, sqlType: c.getSQLType() }));
    const keyCols = config.primaryKeys[0]?.columns ?? config.columns.filter((c) => c.primary);
    meta = { name: config.name, columns, keyProps: keyCols.map((c) => byName.get(c.name)!) };
    metaCache.set(name, meta);
  }
  return meta;
}

export class BulkWriter<T extends TableName> {
  readonly stats: WriterStats = { queued: 0, written: 0, duplicatesInBatch: 0, rejected: 0, dropped: 0, retries: 0, batches: 0 };
  private readonly meta: TableMeta;
  private readonly opts: Required<Omit<WriterOptions, 'onReject' | 'onDrop' | 'onRetry' | 'spillDir'>> & WriterOptions;
  private queue: RowOf<T>[] = [];
  private draining: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private roomWaiters: Array<() => void> = [];
  private closed = false;
  /** close() gave up on the database: nothing is sent or retried any more. */
  private stopped = false;
  /** Ends the backoff pause of a failing batch early (close() giving up). */
  private wakeBackoff: (() => void) | null = null;
  /** Rows at the head of the queue already prepared (and any invalid ones refused) for sending. */
  private preparedHead = 0;
  private lastError: unknown = null;
  private fatal: unknown = null;
  /** Why the most recent row was rejected (see stats.rejected). */
  lastRejectReason: string | null = null;
  /** The file close() saved unwritten rows to, if it had to (and a spill dir was given). */
  spillFile: string | null = null;

  constructor(
    private readonly db: Db,
    readonly table: T,
    options: WriterOptions = {},
  ) {
    this.meta = tableMeta(table);
    this.opts = {
      batchRows: 5000,
      flushIntervalMs: 250,
      maxQueueRows: 200_000,
      overflow: 'block',
      onConflict: 'update',
      retryBaseMs: 100,
      retryMaxMs: 5000,
      ...options,
    };
  }

  /** Rows waiting to be written (queued and not yet committed). */
  get pending(): number {
    return this.queue.length;
  }

  /** Queues rows. Resolves once they are queued; waits for room when the queue is full. */
  async write(rows: readonly RowOf<T>[]): Promise<void> {
    if (this.closed) throw new Error(`writer for ${this.table} is closed`);
    let i = 0;
    while (i < rows.length) {
      if (this.closed) throw new Error(`writer for ${this.table} is closed`);
      const room = this.opts.maxQueueRows - this.queue.length;
      if (room <= 0) {
        if (this.opts.overflow === 'drop') {
          const dropped = rows.length - i;
          this.stats.dropped += dropped;
          this.opts.onDrop?.(dropped);
          return;
        }
        this.kick();
        await new Promise<void>((r) => this.roomWaiters.push(r));
        continue;
      }
      const take = Math.min(room, rows.length - i);
      for (let k = 0; k < take; k++) this.queue.push(rows[i + k]);
      i += take;
      this.stats.queued += take;
    }
    if (this.queue.length >= this.opts.batchRows) this.kick();
    else this.armTimer();
  }

  /** Resolves when every row queued so far is committed (or rejected). */
  async flush(): Promise<void> {
    while ((this.queue.length > 0 || this.draining) && !this.fatal && !this.stopped) {
      this.kick();
      await this.draining;
    }
    if (this.fatal) throw this.fatal;
  }

  /**
   * Flushes and stops. With a timeout, gives up on an unreachable database: stops retrying (no
   * timer is left, so the process can exit), saves what is left to a spill file when a spill dir
   * was given (`spillFile`), and returns the number of rows left unwritten, so the caller can say
   * exactly what was not written and where it went.
   */
  async close(timeoutMs = Infinity): Promise<number> {
    const flushed = this.flush();
    if (Number.isFinite(timeoutMs)) {
      let t: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([flushed.then(() => false), new Promise<boolean>((r) => (t = setTimeout(() => r(true), timeoutMs)))]);
      clearTimeout(t);
      if (timedOut) {
        flushed.catch(() => {}); // it ends once the attempt in flight does; nothing waits for it
        this.giveUp();
      }
    } else {
      await flushed;
    }
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const wake of this.roomWaiters.splice(0)) wake();
    return this.queue.length;
  }

  private giveUp(): void {
    this.stopped = true;
    this.wakeBackoff?.();
    if (this.queue.length > 0 && this.opts.spillDir) this.spill(this.opts.spillDir);
  }

  /**
   * Saves the queue (the batch in flight included: it stays queued until committed) to a spill
   * file. Should that batch still commit, the replay finds its rows present: upserts make that
   * harmless. Rows whose values could never be sent are refused here, not saved.
   */
  private spill(dir: string): void {
    const rows: SpillRow[] = [];
    (this.queue as Record<string, unknown>[]).forEach((row, i) => {
      try {
        const texts: SpillRow = {};
        for (const c of this.meta.columns) if (row[c.prop] !== undefined) texts[c.prop] = toText(row[c.prop], c);
        rows.push(texts);
      } catch (err) {
        if (i >= this.preparedHead) this.reject([row], (err as Error).message); // else refused already
      }
    });
    this.spillFile = writeSpillFile(dir, { table: this.table, onConflict: this.opts.onConflict, location: this.db.location }, rows);
  }

  private armTimer(): void {
    if (this.timer || this.draining || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.kick();
    }, this.opts.flushIntervalMs);
  }

  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.draining || this.queue.length === 0 || this.stopped) return;
    this.draining = this.drain()
      .catch((err) => {
        // Not a database failure and not a data error: a bug. Surface it through flush().
        this.fatal = err;
      })
      .finally(() => {
        this.draining = null;
        if (this.queue.length > 0 && !this.fatal) this.armTimer();
      });
  }

  private async drain(): Promise<void> {
    // The next full batch, prepared while this one is in flight (decision 157).
    let ahead: { rows: number; prepared: Promise<PreparedBatch> } | null = null;
    try {
      while (this.queue.length > 0) {
        // The batch stays at the head of the queue until committed, so a crash loop or a close()
        // timeout never loses it silently: it is counted in `pending`.
        const size = ahead?.rows ?? Math.min(this.opts.batchRows, this.queue.length);
        const prepared = ahead ? await ahead.prepared : await this.prepare(this.queue.slice(0, size), false);
        ahead = null;
        this.preparedHead = size;
        const sent = this.sendWithRetry(prepared);
        // Turning rows into array literals is the client's share of a batch: done for the next
        // batch while the database runs this one. Only a full batch, so batches are the same rows
        // they would be without it (the queue only grows at its tail meanwhile).
        if (!this.stopped && this.queue.length >= size + this.opts.batchRows) {
          const next = this.queue.slice(size, size + this.opts.batchRows);
          this.preparedHead += next.length;
          ahead = { rows: next.length, prepared: this.prepare(next, true) };
        }
        if (!(await sent)) return; // given up: the batch stays counted in `pending`
        this.queue.splice(0, size);
        this.preparedHead -= size;
        for (const wake of this.roomWaiters.splice(0)) wake();
        if (this.closed || this.stopped) break;
      }
    } finally {
      // Its refusals are counted before drain ends, whatever ended it.
      await ahead?.prepared;
    }
  }

  /** True once the batch is committed; false when close() gave up on it. */
  private async sendWithRetry(prepared: PreparedBatch): Promise<boolean> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        if (prepared.rows.length > 0) await this.sendBisecting(prepared.cols, prepared.rows, prepared.literals);
        this.lastError = null;
        this.stats.batches++;
        return true;
      } catch (err) {
        this.lastError = err;
        if (this.stopped) break;
        this.stats.retries++;
        this.opts.onRetry?.(err, attempt);
        const backoff = Math.min(this.opts.retryMaxMs, this.opts.retryBaseMs * 2 ** Math.min(attempt - 1, 10));
        await this.pause(backoff * (0.5 + Math.random() / 2));
      }
    }
    return false;
  }

  /** A backoff pause that close() can end early (wakeBackoff), so no timer outlives the writer. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wakeBackoff = null;
        resolve();
      }, ms);
      this.wakeBackoff = () => {
        clearTimeout(t);
        this.wakeBackoff = null;
        resolve();
      };
    });
  }

  /** The last transient error while retrying, if the database is currently failing. */
  get failing(): unknown {
    return this.lastError;
  }

  /**
   * Dedupes on the key (ON CONFLICT cannot touch one row twice in a statement; which row stays
   * follows the conflict mode, see dedupeByKey) and turns each row into Postgres text values. Values the database would accept but that are
   * wrong (NaN, Infinity, invalid Date, NUL characters) are rejected here, row by row.
   */
  private async prepare(batch: RowOf<T>[], inFlight: boolean): Promise<PreparedBatch> {
    // With a batch in flight, the work is cut in slices: between them this process reads the
    // database's answers and sends the rest of that batch, which would otherwise wait.
    const breathe = () => (inFlight ? new Promise<void>((resolve) => setImmediate(resolve)) : undefined);
    const unique = dedupeByKey(batch as Record<string, unknown>[], this.meta.keyProps, this.opts.onConflict === 'ignore' ? 'first' : 'last');
    this.stats.duplicatesInBatch += batch.length - unique.length;
    const cols = this.meta.columns.filter((c) => unique.some((r) => r[c.prop] !== undefined));
    const rows: PreparedRow[] = [];
    for (let i = 0; i < unique.length; i++) {
      if (i > 0 && i % PREPARE_SLICE_ROWS === 0) await breathe();
      const row = unique[i];
      try {
        rows.push({ source: row, texts: cols.map((c) => toText(row[c.prop], c)) });
      } catch (err) {
        this.reject([row], (err as Error).message);
      }
    }
    const literals: string[] = [];
    for (let k = 0; k < cols.length; k++) {
      await breathe();
      literals.push(arrayLiteral(rows.map((r) => r.texts[k])));
    }
    return { cols, rows, literals };
  }

  /** `literals`: the rows' column array literals, when already made (the whole prepared batch). */
  private async sendBisecting(cols: ColumnMeta[], rows: PreparedRow[], literals?: string[]): Promise<void> {
    try {
      const text = unnestSql(this.meta, cols, this.opts.onConflict);
      await this.db.sql.unsafe(text, literals ?? cols.map((_, k) => arrayLiteral(rows.map((r) => r.texts[k]))));
      this.stats.written += rows.length;
    } catch (err) {
      if (!isDataError(err)) throw err;
      if (rows.length === 1) {
        this.reject([rows[0].source], (err as Error).message);
        return;
      }
      const mid = rows.length >> 1;
      await this.sendBisecting(cols, rows.slice(0, mid));
      await this.sendBisecting(cols, rows.slice(mid));
    }
  }

  private reject(rows: unknown[], reason: string): void {
    this.stats.rejected += rows.length;
    this.lastRejectReason = reason;
    this.opts.onReject?.(rows, reason);
  }
}

/** The batch statement: one INSERT … SELECT FROM unnest over one array parameter per column. */
function unnestSql(meta: TableMeta, cols: ColumnMeta[], onConflict: 'update' | 'ignore'): string {
  const names = cols.map((c) => q(c.name)).join(', ');
  // Typed arrays: array_in runs each column's own input function on the elements, the same one
  // a text-to-type cast runs, without a text datum per value first (decision 157).
  const unnestArgs = cols.map((c, i) => `$${i + 1}::${unnestElementType(c)}[]`).join(', ');
  const casts = cols.map((c, i) => (unnestElementType(c) === c.sqlType ? `c${i}` : `c${i}::${c.sqlType}`)).join(', ');
  const aliases = cols.map((_, i) => `c${i}`).join(', ');
  return `insert into ${q(meta.name)} (${names}) select ${casts} from unnest(${unnestArgs}) as u(${aliases}) ${conflictClause(meta, cols, onConflict)}`;
}

function conflictClause(meta: TableMeta, cols: ColumnMeta[], onConflict: 'update' | 'ignore'): string {
  const keyNames = meta.keyProps.map((p) => meta.columns.find((c) => c.prop === p)!.name);
  const updatable = cols.filter((c) => !meta.keyProps.includes(c.prop));
  const target = keyNames.map(q).join(', ');
  if (onConflict === 'ignore' || updatable.length === 0) return `on conflict (${target}) do nothing`;
  return `on conflict (${target}) do update set ${updatable.map((c) => `${q(c.name)} = excluded.${q(c.name)}`).join(', ')}`;
}

/**
 * The statement and parameters the writer sends for these rows (already one per key and valid),
 * for measuring the statement on its own (bench db: PGlite in-process, no socket).
 */
export function unnestStatement<T extends TableName>(table: T, rows: readonly RowOf<T>[], onConflict: 'update' | 'ignore' = 'update'): { text: string; params: string[] } {
  const meta = tableMeta(table);
  const source = rows as readonly Record<string, unknown>[];
  const cols = meta.columns.filter((c) => source.some((r) => r[c.prop] !== undefined));
  const texts = source.map((row) => cols.map((c) => toText(row[c.prop], c)));
  return { text: unnestSql(meta, cols, onConflict), params: cols.map((_, k) => arrayLiteral(texts.map((t) => t[k]))) };
}

/** The array element type a column is sent as: its own type, or text for a column that is itself
 * an array (unnest would flatten a two-dimensional array), cast after. */
function unnestElementType(col: ColumnMeta): string {
  return col.sqlType.endsWith(']') ? 'text' : col.sqlType;
}

/**
 * A PostgreSQL array literal of text values, written exactly as postgres.js serialises a string
 * array (every element quoted, backslash and quote escaped, null unquoted), here so the escaping
 * scan is skipped for the values that cannot need it (numbers, times: most of a batch).
 */
export function arrayLiteral(texts: readonly (string | null)[]): string {
  // map + join: one flat string; appending to a string makes a rope that is flattened later.
  return `{${texts.map((t) => (t === null ? 'null' : t.includes('\\') || t.includes('"') ? `"${t.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : `"${t}"`)).join(',')}}`;
}

interface PreparedRow {
  source: Record<string, unknown>;
  texts: (string | null)[];
}

interface PreparedBatch {
  cols: ColumnMeta[];
  rows: PreparedRow[];
  /** One array literal per column, of all the rows. */
  literals: string[];
}

/** Rows turned to text between two looks at the socket while a batch is in flight (~1 ms). */
const PREPARE_SLICE_ROWS = 500;

export function createWriter<T extends TableName>(db: Db, table: T, options?: WriterOptions): BulkWriter<T> {
  return new BulkWriter(db, table, options);
}

function q(ident: string): string {
  return `"${ident.replace(/"/g, '""')}"`;
}

/**
 * One row per key, because ON CONFLICT cannot touch one row twice in a statement. The row kept is
 * the one the conflict mode would keep across batches: the last ('update' replaces) or the first
 * ('ignore': the first receipt wins, so a repeat in the same batch must not replace it either).
 */
function dedupeByKey(rows: Record<string, unknown>[], keyProps: string[], keep: 'first' | 'last'): Record<string, unknown>[] {
  const byKey = new Map<string, Record<string, unknown>>();
  for (const row of rows) {
    const key = keyProps.map((p) => keyText(row[p])).join('\u0001');
    if (keep === 'last' || !byKey.has(key)) byKey.set(key, row);
  }
  return byKey.size === rows.length ? rows : [...byKey.values()];
}

function keyText(v: unknown): string {
  return v instanceof Date ? String(v.getTime()) : String(v);
}

/** Postgres text representation of a value; casts in SQL restore the column type losslessly. */
function toText(v: unknown, col: ColumnMeta): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) throw new RangeError(`${col.name}: invalid Date`);
    return v.toISOString();
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError(`${col.name}: ${v} is not a finite number`);
    return String(v);
  }
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  // PostgreSQL text cannot hold NUL, and jsonb refuses the \u0000 escape JSON.stringify makes of
  // one. Only a real NUL counts: the six characters `\u0000` in a string are ordinary text (a raw
  // frame that spells the escape), so the value is searched, not its JSON.
  if (holdsNul(v)) throw new RangeError(`${col.name}: contains a NUL character`);
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Whether a string, or any string or key inside an array or object, holds a U+0000 character. */
function holdsNul(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('\u0000');
  if (Array.isArray(v)) return v.some(holdsNul);
  if (v && typeof v === 'object' && !(v instanceof Date)) return Object.entries(v).some(([k, x]) => k.includes('\u0000') || holdsNul(x));
  return false;
}

export interface SpillReplay {
  file: string;
  table: string;
  /** Rows in the file (0 when it could not be read). */
  rows: number;
  written: number;
  rejected: number;
  /** replayed: written and removed. kept: the database failed meanwhile, retried next time.
   * other-database: saved for another location, left alone. unreadable: not a complete spill file. */
  status: 'replayed' | 'kept' | 'other-database' | 'unreadable';
  reason?: string;
}

/**
 * Writes the rows of every spill file in dir that belongs to this database, and removes each file
 * once all its rows are committed (or refused for their data). Rows that were written meanwhile
 * are upserted again with the file's conflict mode, so a replay is idempotent; a file whose replay
 * failed stays for the next one.
 */
export async function replaySpills(db: Db, dir: string, options: { timeoutMs?: number } = {}): Promise<SpillReplay[]> {
  const results: SpillReplay[] = [];
  for (const file of listSpillFiles(dir)) {
    const result: SpillReplay = { file, table: '', rows: 0, written: 0, rejected: 0, status: 'replayed' };
    results.push(result);
    let writer: BulkWriter<TableName> | null = null;
    try {
      await readSpillFile(
        file,
        (header: SpillHeader) => {
          Object.assign(result, { table: header.table, rows: header.rows });
          if (!(header.table in tables)) throw new Error(`unknown table ${header.table}`);
          if (header.location !== db.location) {
            result.status = 'other-database';
            result.reason = `saved for ${header.location}`;
            return false;
          }
          writer = createWriter(db, header.table as TableName, { onConflict: header.onConflict });
          return true;
        },
        // Text values go through toText unchanged and the SQL casts restore their types.
        (rows) => writer!.write(rows as unknown as RowOf<TableName>[]),
      );
    } catch (err) {
      Object.assign(result, { status: 'unreadable', reason: (err as Error).message });
    }
    const w = writer as BulkWriter<TableName> | null;
    if (!w) continue;
    const unwritten = await w.close(options.timeoutMs ?? 60_000);
    Object.assign(result, { written: w.stats.written, rejected: w.stats.rejected });
    if (result.status !== 'replayed') continue;
    if (unwritten > 0) Object.assign(result, { status: 'kept', reason: `${unwritten} rows not written: ${String(w.failing)}` });
    else unlinkSync(file);
  }
  return results;
}
