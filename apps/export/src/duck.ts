// A file-backed DuckDB session for one export: typed tables filled through the appender, SQL for
// the as-of joins, COPY … TO for Parquet. File-backed with a memory limit, so a long range spills
// to disk instead of growing the process.
import { join } from 'node:path';
import { DuckDBInstance, DuckDBTimestampValue, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import type { DatasetColumn as DuckColumn } from '@cqt/labeling';

export type { DatasetColumn as DuckColumn, DatasetType as DuckType } from '@cqt/labeling';

export class DuckSession {
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly conn: DuckDBConnection,
  ) {}

  static async open(workDir: string, memoryLimit = '512MB'): Promise<DuckSession> {
    const instance = await DuckDBInstance.create(join(workDir, 'export.duckdb'), { memory_limit: memoryLimit, threads: '2' });
    const conn = await instance.connect();
    // Dates derived from timestamps (partitions) must not depend on the host's zone.
    await conn.run(`SET TimeZone = 'UTC'`);
    return new DuckSession(instance, conn);
  }

  async createTable(name: string, columns: DuckColumn[]): Promise<void> {
    await this.conn.run(`CREATE TABLE ${ident(name)} (${columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ')})`);
  }

  /** Appends rows (objects keyed by column name) in the given column order. */
  async append(name: string, columns: DuckColumn[], rows: Iterable<Record<string, unknown>>): Promise<number> {
    const appender: DuckDBAppender = await this.conn.createAppender(name);
    let n = 0;
    try {
      for (const row of rows) {
        for (const c of columns) appendValue(appender, c, row[c.name]);
        appender.endRow();
        n++;
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    return n;
  }

  /**
   * Appends a headerless CSV from the store's COPY (TIMESTAMPTZ as integer epoch microseconds;
   * an unquoted empty field is null, a quoted one an empty string) to a table, in file order.
   * NaN becomes null, as in `append`. The 1 MiB read buffer (default 32 MiB, one block) keeps it within small limits.
   */
  async insertCsv(name: string, columns: DuckColumn[], file: string): Promise<void> {
    const csvTypes = columns.map((c, i) => `${literal(`c${i}`)}: ${literal(c.type === 'TIMESTAMPTZ' ? 'BIGINT' : c.type)}`);
    const exprs = columns.map((c, i) => {
      if (c.type === 'TIMESTAMPTZ') return `CAST(make_timestamp(c${i}) AS TIMESTAMPTZ)`;
      if (c.type === 'DOUBLE') return `CASE WHEN isnan(c${i}) THEN NULL ELSE c${i} END`;
      return `c${i}`;
    });
    await this.conn.run(
      `INSERT INTO ${ident(name)} SELECT ${exprs.join(', ')} FROM read_csv(${literal(file)}, header = false, auto_detect = false, delim = ',', quote = '"', escape = '"', nullstr = '', allow_quoted_nulls = false, buffer_size = 1048576, columns = {${csvTypes.join(', ')}})`,
    );
  }

  async rows(sql: string): Promise<Record<string, unknown>[]> {
    const reader = await this.conn.runAndReadAll(sql);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  }

  async run(sql: string): Promise<void> {
    await this.conn.run(sql);
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A SQL string literal (paths in COPY statements). */
export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function appendValue(a: DuckDBAppender, c: DuckColumn, v: unknown): void {
  if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) {
    a.appendNull();
    return;
  }
  switch (c.type) {
    case 'DOUBLE':
      a.appendDouble(Number(v));
      return;
    case 'INTEGER':
      a.appendInteger(Number(v));
      return;
    case 'TIMESTAMPTZ': {
      const ms = v instanceof Date ? v.getTime() : Number(v);
      // The plain-timestamp append is native; appendTimestampTZ builds a DuckDB value per call
      // (a quarter of the appender's CPU). Both carry UTC micros, so the instant is the same.
      a.appendTimestamp(new DuckDBTimestampValue(BigInt(Math.round(ms)) * 1000n));
      return;
    }
    case 'VARCHAR':
      a.appendVarchar(typeof v === 'string' ? v : JSON.stringify(v));
      return;
  }
}
