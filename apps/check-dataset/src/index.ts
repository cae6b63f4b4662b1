// `cqt check dataset FILE` — verifies a dataset written by `cqt export` before it is used, so a CI
// job can gate on it right after the export. Read with DuckDB (a folder as Hive partitions). Items:
// - dataset.rows: rows in the file (none fails: nothing was verified);
// - dataset.columns: the columns and types the dataset schema (@cqt/labeling) declares, with or
//   without the --with-raw group, and nothing else;
// - dataset.label_ts: rows whose label_ts is null or before ts + horizon_sec (the look-ahead rule);
// - dataset.touch_ts: rows whose barrier touch is not within (ts, label_ts];
// - dataset.inputs_max_recv_ts: rows whose newest input arrived after ts;
// - dataset.raw_ts: rows with a raw column's exchange ts after ts (skipped without raw columns);
// - dataset.duplicate_keys: rows repeating a (symbol, ts, horizon_sec) key.
// A rule whose columns are missing or mistyped is skipped, named; dataset.columns fails then.
import { existsSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { checkOutput, makeReport, measuredItem, statedItem, type CheckItem, type CheckReport, type ItemSource } from '@cqt/checks';
import { CqtError, RuntimeFailure, UsageError, type CommandOutput } from '@cqt/config';
import { tableMeta } from '@cqt/db';
import { datasetColumns, RAW_COLUMNS, type DatasetColumn, type DatasetType } from '@cqt/labeling';

export interface DatasetOptions {
  /** The .parquet file, or the folder of a `--partition-by date` or `symbol,date` export. */
  file: string;
}

/** How DuckDB names each dataset type when it describes a Parquet file. */
const DESCRIBED: Record<DatasetType, string> = { DOUBLE: 'DOUBLE', INTEGER: 'INTEGER', VARCHAR: 'VARCHAR', TIMESTAMPTZ: 'TIMESTAMP WITH TIME ZONE' };
const RAW_NAMES = new Set(Object.values(RAW_COLUMNS).flat().map((c) => c.name));
const RAW_TS = Object.values(RAW_COLUMNS).flat().filter((c) => c.type === 'TIMESTAMPTZ').map((c) => c.name);

export async function run(options: DatasetOptions): Promise<CheckReport> {
  const path = resolve(options.file);
  if (!existsSync(path)) throw new UsageError(`no such file: ${options.file}`, 'give the .parquet file (or --partition-by folder) that cqt export wrote');
  const folder = statSync(path).isDirectory();
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await instance.connect();
  try {
    // Every DuckDB failure here is the file's: it cannot be opened, is not Parquet, or is damaged.
    await conn.run(`SET TimeZone = 'UTC'`);
    const source = folder ? `read_parquet(${literal(join(path, '**', '*.parquet'))}, hive_partitioning = true)` : `read_parquet(${literal(path)})`;
    await conn.run(`CREATE VIEW dataset AS SELECT * FROM ${source}`);
    const described = (await rows(conn, 'DESCRIBE dataset')).map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
    return makeReport('dataset', Date.now(), 0, await items(conn, basename(path), described, folder));
  } catch (err) {
    if (err instanceof CqtError) throw err;
    const reason = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new RuntimeFailure(`cannot read ${options.file} as Parquet: ${reason}`, 'give a dataset written by cqt export (a failed export leaves no file; export it again)');
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

export function output(report: CheckReport): CommandOutput {
  return checkOutput([report]);
}

async function items(conn: DuckDBConnection, fileName: string, described: Array<{ name: string; type: string }>, folder: boolean): Promise<CheckItem[]> {
  const at = (name: string, column: string | null): ItemSource => ({ name: `dataset.${name}`, table: fileName, column, symbol: null, windowSec: null });
  const withRaw = described.some((c) => RAW_NAMES.has(c.name));
  const expected: Array<{ name: string; type: string }> = datasetColumns(tableMeta('feature_snapshots').columns, withRaw).map((c) => ({ name: c.name, type: DESCRIBED[c.type] }));
  // A partitioned folder's key comes back as a column of its own.
  if (folder) expected.push({ name: 'date', type: 'DATE' });
  const actual = new Map(described.map((c) => [c.name, c.type]));
  const wanted = new Map(expected.map((c) => [c.name, c.type]));
  const problems = [
    ...expected.filter((c) => !actual.has(c.name)).map((c) => `${c.name} missing`),
    ...expected.filter((c) => actual.has(c.name) && actual.get(c.name) !== c.type).map((c) => `${c.name} is ${actual.get(c.name)}, not ${c.type}`),
    ...described.filter((c) => !wanted.has(c.name)).map((c) => `${c.name} unexpected`),
  ];
  const schema = `${expected.length} columns as cqt export writes them${withRaw ? ' (with raw columns)' : ''}`;
  const out: CheckItem[] = [measuredItem(at('columns', null), problems.length, 'count', { max: 0 }, problems.length ? `${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; … ${problems.length - 5} more` : ''}` : schema)];

  const [{ n }] = await rows(conn, 'SELECT count(*) AS n FROM dataset');
  const total = Number(n);
  out.push(measuredItem(at('rows', null), total, 'count', { min: 1 }, total ? `${total} rows` : 'no rows: nothing to verify'));

  /**
   * A rule counted by `query` (one row: n offending rows, first = the earliest offending ts), judged
   * max 0; skipped when a column it reads is not as cqt export writes it.
   */
  const rule = async (name: string, columns: readonly string[], query: string, what: (n: number) => string, ok: string): Promise<CheckItem> => {
    const source = at(name, columns[0]);
    const unusable = columns.filter((c) => actual.get(c) !== wanted.get(c));
    if (unusable.length) return statedItem(source, 'skip', null, null, `needs ${unusable.join(', ')} as cqt export writes them`);
    const [r] = await rows(conn, query);
    const count = Number(r.n);
    return measuredItem(source, count, 'count', { max: 0 }, count ? `${what(count)}, first at ts ${r.first instanceof Date ? r.first.toISOString() : 'null'}` : ok);
  };
  const where = (bad: string) => `SELECT count(*) AS n, min(ts) AS first FROM dataset WHERE ${bad}`;
  const rowsWith = (what: string) => (n: number) => `${n} ${n === 1 ? 'row' : 'rows'} with ${what}`;
  out.push(await rule('label_ts', ['label_ts', 'ts', 'horizon_sec'], where(`label_ts IS NULL OR ts IS NULL OR horizon_sec IS NULL OR label_ts < ts + to_seconds(horizon_sec)`), rowsWith('label_ts < ts + horizon_sec'), 'label_ts >= ts + horizon_sec in every row'));
  out.push(await rule('touch_ts', ['touch_ts', 'ts', 'label_ts'], where(`touch_ts <= ts OR touch_ts > label_ts`), rowsWith('a touch outside (ts, label_ts]'), 'every touch within (ts, label_ts]'));
  out.push(await rule('inputs_max_recv_ts', ['inputs_max_recv_ts', 'ts'], where(`inputs_max_recv_ts > ts`), rowsWith('an input received after ts'), 'no input received after ts'));
  if (withRaw) {
    out.push(await rule('raw_ts', [...RAW_TS, 'ts'], where(RAW_TS.map((c) => `${ident(c)} > ts`).join(' OR ')), rowsWith('a raw row whose ts is after ts'), `${RAW_TS.length} raw ts columns at or before ts`));
  } else {
    out.push(statedItem(at('raw_ts', null), 'skip', null, null, 'no raw columns (exported without --with-raw)'));
  }
  out.push(
    await rule(
      'duplicate_keys',
      ['ts', 'symbol', 'horizon_sec'],
      `SELECT coalesce(sum(n - 1), 0) AS n, min(ts) FILTER (WHERE n > 1) AS first FROM (SELECT symbol, ts, horizon_sec, count(*) AS n FROM dataset GROUP BY ALL)`,
      (n) => `${n} ${n === 1 ? 'row repeats' : 'rows repeat'} a (symbol, ts, horizon_sec) key`,
      'every (symbol, ts, horizon_sec) once',
    ),
  );
  return out;
}

async function rows(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A SQL string literal (the path in read_parquet). */
function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
