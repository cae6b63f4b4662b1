// pg-boss 10.x talks to the database through `db.executeSql(text, values)` (node-postgres
// conventions). This adapter runs it on our postgres.js client, so pg-boss reaches PostgreSQL and
// the embedded store (the owner's socket) the same way every other cqt client does (decision 85).
import type { Sql } from 'postgres';

export interface ExecuteSql {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number }>;
}

/** node-postgres sends undefined as NULL; postgres.js refuses it. (Objects need nothing: pg-boss
 * casts them to json(b), whose serializer postgres.js picks from the statement's description.) */
const toParam = (value: unknown): unknown => (value === undefined ? null : value);

export function executeSqlOn(sql: Sql): ExecuteSql {
  return {
    async executeSql(text, values) {
      let result: unknown;
      if (values && values.length) {
        result = await sql.unsafe(text, values.map(toParam) as never[]);
      } else {
        // Without parameters pg-boss may send several statements, `BEGIN; …; COMMIT;` among them
        // (its locked() plans): the simple protocol runs them, and postgres.js allows a
        // transaction only on a connection of its own.
        const conn = await sql.reserve();
        try {
          result = await conn.unsafe(text).simple();
        } finally {
          conn.release();
        }
      }
      // Several statements answer one result each; node-postgres callers read the last one.
      const rows = Array.isArray(result) && result.length && Array.isArray(result[result.length - 1]) ? result[result.length - 1] : result;
      return { rows: Array.from(rows as Iterable<unknown>), rowCount: (rows as { count?: number }).count ?? 0 };
    },
  };
}
