// What `cqt db status` reports: backend, location, schema version, and per table its row count
// and newest ts. Newest ts comes from an index-backed max() so it stays cheap on large tables.
import type { Db } from './open.js';
import { schemaVersion, type SchemaVersion } from './migrate.js';
import { tableNames, tables, type TableName } from './schema.js';
import { getTableConfig } from 'drizzle-orm/pg-core';

export interface TableStatus {
  table: TableName;
  rows: number;
  newestTs: Date | null;
}

export interface DbStatus {
  backend: Db['backend'];
  role: ReturnType<Db['role']>;
  location: string;
  schema: SchemaVersion;
  tables: TableStatus[];
}

export async function dbStatus(db: Db): Promise<DbStatus> {
  const schema = await schemaVersion(db.sql);
  const rows: TableStatus[] = [];
  if (schema.applied > 0) {
    for (const table of tableNames) {
      const hasTs = getTableConfig(tables[table]).columns.some((c) => c.name === 'ts');
      const tsExpr = hasTs ? 'max(ts)' : 'null::timestamptz';
      const [r] = await db.sql.unsafe<{ n: number; newest: Date | null }[]>(
        `select count(*)::float8 as n, ${tsExpr} as newest from "${table}"`,
      );
      rows.push({ table, rows: Number(r.n), newestTs: r.newest });
    }
  }
  return { backend: db.backend, role: db.role(), location: db.location, schema, tables: rows };
}
