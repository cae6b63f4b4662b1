// `cqt prune`: deletes rows older than each table's retention, in bounded batches so a running
// collector is never blocked for long, one prune at a time (see lock.ts). Each batch is one
// statement on the table's primary key — an equality on the key columns before ts, a ts range,
// at most batchRows rows — so it neither scans the table nor holds locks for long.
// ingest_state is never pruned: it holds the ingest cursors, not history; nor is candle_coverage:
// deleted candles keep their coverage record, so pruned history is not mistaken for a gap.
import { distinctPrefixes, withHandle, type SqlClient } from '@cqt/checks';
import { UsageError, formatTable, loadConfig, paintText, type CommandOutput } from '@cqt/config';
import { parseFlagText } from '@cqt/config/command';
import { openDb, tableMeta, tableNames, type Db, type TableName } from '@cqt/db';
import { pruneFlags } from './command.js';
import { withPruneLock } from './lock.js';

export const NEVER_PRUNED = 'ingest_state';
const COVERAGE = 'candle_coverage';
export const prunableTables = tableNames.filter((t) => t !== NEVER_PRUNED && t !== COVERAGE);
const DAY_MS = 86_400_000;

export interface PruneOptions {
  /** Retention in days for every table without its own CQT_RETENTION_DAYS_<TABLE>. */
  days?: string | number;
  /** Only these tables (repeats or comma lists); default every table but ingest_state. */
  tables?: string[];
  dryRun?: boolean;
  /** Required for a retention of 0 days (deletes everything up to now). */
  force?: boolean;
  batchRows?: string | number;
  /** "Now" for the cutoffs; default the current time. */
  nowMs?: number;
  databaseUrl?: string;
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  db?: Db;
  /** Called after every batch (the command shows it on a TTY only). */
  onProgress?: (table: string, deletedSoFar: number) => void;
}

export interface Retention {
  /** null: kept forever (CQT_RETENTION_DAYS_<TABLE>=keep). */
  days: number | null;
  /** Where the retention came from: the variable or flag. */
  from: string;
}

export interface TablePrune {
  table: string;
  retentionDays: number | null;
  retentionFrom: string;
  /** Rows with ts before this are deleted; null when the table is kept. */
  cutoff: string | null;
  /** Rows deleted (with --dry-run: rows that would be deleted). */
  deleted: number;
  /** Rows in the table afterwards (with --dry-run: that would remain). */
  kept: number;
  /** Delete statements that removed rows. */
  batches: number;
}

export interface PruneResult {
  dryRun: boolean;
  now: string;
  batchRows: number;
  tables: TablePrune[];
  deleted: number;
  kept: number;
}

/** The variable that overrides the retention of one table, e.g. CQT_RETENTION_DAYS_CANDLES. */
export const retentionVar = (table: string) => `CQT_RETENTION_DAYS_${table.toUpperCase()}`;

/**
 * A table's retention: its own CQT_RETENTION_DAYS_<TABLE> (days, or `keep`) beats --days, which
 * beats CQT_RETENTION_DAYS — the specific setting wins, so `cqt prune --days 7` in cron never
 * deletes a table the operator chose to keep.
 */
export function resolveRetention(table: string, daysFlag: number | undefined, env: NodeJS.ProcessEnv, configDays: number): Retention {
  const name = retentionVar(table);
  const own = env[name]?.trim();
  if (own) {
    if (own.toLowerCase() === 'keep') return { days: null, from: name };
    const days = pruneFlags.days.parse(own);
    if (days === undefined) throw new UsageError(`invalid ${name}=${JSON.stringify(own)} (from env)`, 'expected a number of days ≥ 0, or keep');
    return { days, from: name };
  }
  return daysFlag === undefined ? { days: configDays, from: 'CQT_RETENTION_DAYS' } : { days: daysFlag, from: '--days' };
}

export function selectTables(values: readonly string[] | undefined): TableName[] {
  const names = (values ?? []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  if (names.includes(NEVER_PRUNED)) throw new UsageError(`${NEVER_PRUNED} is never pruned`, 'it holds the ingest cursors, not history');
  if (names.includes(COVERAGE)) throw new UsageError(`${COVERAGE} is never pruned`, 'it records which candle ranges were queried, even after their candles are deleted');
  const unknown = names.filter((n) => !(prunableTables as string[]).includes(n));
  if (unknown.length) throw new UsageError(`unknown --table ${unknown.join(', ')}`, `choose from ${prunableTables.join(', ')}`);
  return names.length ? [...new Set(names as TableName[])] : prunableTables;
}

export async function run(options: PruneOptions = {}): Promise<PruneResult> {
  const env = options.env ?? process.env;
  const { values: config } = loadConfig({ flags: { databaseUrl: options.databaseUrl, dataDir: options.dataDir }, env });
  // Numbers are checked like text: a library caller's 0 rows per batch is as wrong as the flag's.
  const daysFlag = options.days === undefined ? undefined : parseFlagText(pruneFlags.days, String(options.days));
  const batchRows = options.batchRows === undefined ? pruneFlags.batchRows.default : parseFlagText(pruneFlags.batchRows, String(options.batchRows));
  const nowMs = options.nowMs ?? Date.now();
  const plan = selectTables(options.tables).map((table) => ({ table, ...resolveRetention(table, daysFlag, env, config.retentionDays) }));
  const zero = plan.filter((p) => p.days === 0);
  if (zero.length && !options.dryRun && !options.force) {
    const why = [...new Set(zero.map((p) => (p.from === '--days' ? '--days 0' : `${p.from}=0`)))].join(' and ');
    const what = zero.length === 1 ? zero[0].table : `${zero.length} tables`;
    throw new UsageError(`${why} deletes every row of ${what} up to now`, 'add --force to confirm, or --dry-run to see the counts');
  }

  return withHandle(options.db, () => openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }), async (db) => {
    const prune = async (sql: SqlClient) => {
      const tables: TablePrune[] = [];
      for (const p of plan) {
        const cutoffMs = p.days === null ? null : nowMs - p.days * DAY_MS;
        const done = await pruneTable(sql, p.table, cutoffMs, { dryRun: Boolean(options.dryRun), batchRows, onProgress: options.onProgress });
        tables.push({ table: p.table, retentionDays: p.days, retentionFrom: p.from, cutoff: cutoffMs === null ? null : new Date(cutoffMs).toISOString(), ...done });
      }
      return tables;
    };
    // A dry run only counts: it needs no lock.
    const tables = options.dryRun ? await prune(db.sql) : await withPruneLock(db, prune);
    const sum = (k: 'deleted' | 'kept') => tables.reduce((n, t) => n + t[k], 0);
    return { dryRun: Boolean(options.dryRun), now: new Date(nowMs).toISOString(), batchRows, tables, deleted: sum('deleted'), kept: sum('kept') };
  });
}

/** Key columns before ts: the prefix each batch fixes so its ts range is an index range. */
function keyPrefix(table: TableName): string[] {
  const meta = tableMeta(table);
  const byProp = new Map(meta.columns.map((c) => [c.prop, c.name]));
  const key = meta.keyProps.map((p) => byProp.get(p)!);
  return key.slice(0, key.indexOf('ts'));
}

async function pruneTable(
  sql: SqlClient,
  table: TableName,
  cutoffMs: number | null,
  o: { dryRun: boolean; batchRows: number; onProgress?: PruneOptions['onProgress'] },
): Promise<Pick<TablePrune, 'deleted' | 'kept' | 'batches'>> {
  const count = async () => Number((await sql.unsafe(`select count(*)::float8 as n from ${table}`))[0].n);
  if (cutoffMs === null) return { deleted: 0, kept: await count(), batches: 0 };

  // Fresh statistics make the planner walk the key index in ts order and stop after batchRows
  // rows; on a table it has never analysed it may bitmap-scan and sort the whole range per batch.
  if (!o.dryRun) await sql.unsafe(`analyze ${table}`);
  const prefix = keyPrefix(table);
  const prefixes = prefix.length ? await distinctPrefixes(sql, table, prefix) : [[]];
  const cutoff = new Date(cutoffMs).toISOString();
  let deleted = 0;
  let batches = 0;
  for (const values of prefixes) {
    const params: unknown[] = [...values, cutoff];
    const where = [...prefix.map((c, i) => `${c} = $${i + 1}`), `ts < $${params.length}::timestamptz`].join(' and ');
    if (o.dryRun) {
      deleted += Number((await sql.unsafe(`select count(*)::float8 as n from ${table} where ${where}`, params))[0].n);
      continue;
    }
    for (;;) {
      // ctid picks the rows found through the key index; the delete itself is then a TID scan.
      const [{ n }] = await sql.unsafe(
        `with gone as (
           delete from ${table} where ctid = any(array(select ctid from ${table} where ${where} order by ts limit ${o.batchRows}))
           returning 1)
         select count(*)::float8 as n from gone`,
        params,
      );
      if (Number(n) > 0) {
        deleted += Number(n);
        batches++;
        o.onProgress?.(table, deleted);
      }
      if (Number(n) < o.batchRows) break;
    }
  }
  const remaining = await count();
  return { deleted, kept: o.dryRun ? remaining - deleted : remaining, batches };
}

export function output(result: PruneResult): CommandOutput {
  return {
    exitCode: 0,
    json: result,
    human({ colour }) {
      const rows = result.tables.map((t) => [
        t.table,
        t.retentionDays === null ? 'keep' : `${t.retentionDays} d`,
        t.retentionFrom,
        t.cutoff ?? '-',
        String(t.deleted),
        String(t.kept),
      ]);
      const deleted = result.dryRun ? 'would delete' : 'deleted';
      const title = `prune${result.dryRun ? ' (dry run: nothing deleted)' : ''} — now ${result.now}, batches of ${result.batchRows} rows`;
      const table = formatTable(['table', 'retention', 'from', 'cutoff (UTC)', deleted, 'kept'], rows, colour);
      return `${paintText(title, 'strong', colour)}\n${table}\ntotal: ${result.deleted} ${deleted}, ${result.kept} kept (${NEVER_PRUNED} is never pruned)`;
    },
  };
}
