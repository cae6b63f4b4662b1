// `cqt prune`: deletes rows older than each table's retention, in bounded batches so a running
// collector is never blocked for long, one prune at a time (see lock.ts). Each batch is one
// statement on the table's primary key — an equality on the key columns before ts, a ts range,
// at most batchRows rows — so it neither scans the table nor holds locks for long.
// ingest_state is never pruned: it holds the ingest cursors, not history; nor is candle_coverage:
// deleted candles keep their coverage record, so pruned history is not mistaken for a gap.
// Candles have a retention per timeframe (1 m history is large, daily history is small and
// precious); their deleted ranges are written as `pruned` coverage first.
import { VENUE_TIMEFRAMES, markPruned } from '@cqt/candles';
import { distinctPrefixes, withHandle, type SqlClient } from '@cqt/checks';
import { UsageError, formatTable, loadConfig, paintText, type CommandOutput } from '@cqt/config';
import { parseFlagText } from '@cqt/config/command';
import { openDb, tableMeta, tableNames, type Db, type TableName } from '@cqt/db';
import { parseCandleRetention, pruneFlags } from './command.js';
import { withPruneLock } from './lock.js';

export const NEVER_PRUNED = 'ingest_state';
const COVERAGE = 'candle_coverage';
export const prunableTables = tableNames.filter((t) => t !== NEVER_PRUNED && t !== COVERAGE);
const DAY_MS = 86_400_000;

export interface PruneOptions {
  /** Retention in days for every table without its own CQT_RETENTION_DAYS_<TABLE>. */
  days?: string | number;
  /** Candle retention per timeframe, `1m=180,5m=keep` (else CQT_RETENTION_CANDLES). */
  candleRetention?: string;
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
  /** candles only: one entry per timeframe stored. */
  timeframe?: string;
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

const CANDLES = 'candles';
const CANDLE_RETENTION_VAR = 'CQT_RETENTION_CANDLES';
/** Without any setting: 1 m candles are kept this long, longer timeframes for ever. */
export const DEFAULT_1M_RETENTION_DAYS = 180;

/**
 * Candle retention of one timeframe: its entry in --candle-retention (else CQT_RETENTION_CANDLES),
 * else CQT_RETENTION_DAYS_CANDLES, else 180 days for 1m and keep for the rest. Never --days: a
 * cron `prune --days 7` must not delete the long history candles are backfilled for.
 */
export function candleRetentionOf(timeframe: string, entries: ReadonlyMap<string, Retention>, env: NodeJS.ProcessEnv): Retention {
  const own = entries.get(timeframe);
  if (own) return own;
  if (env[retentionVar(CANDLES)]?.trim()) return resolveRetention(CANDLES, undefined, env, 0);
  return timeframe === '1m' ? { days: DEFAULT_1M_RETENTION_DAYS, from: 'default (1m)' } : { days: null, from: 'default' };
}

/** The per-timeframe entries from the flag, else the variable; unknown timeframes refused. */
export function candleRetentionEntries(flag: string | undefined, env: NodeJS.ProcessEnv): Map<string, Retention> {
  const from = flag !== undefined ? '--candle-retention' : CANDLE_RETENTION_VAR;
  const text = flag ?? env[CANDLE_RETENTION_VAR]?.trim();
  if (!text) return new Map();
  const parsed = parseCandleRetention(text);
  const where = flag !== undefined ? `--candle-retention ${JSON.stringify(text)}` : `${CANDLE_RETENTION_VAR}=${JSON.stringify(text)} (from env)`;
  if (!parsed) throw new UsageError(`invalid ${where}`, pruneFlags.candleRetention.expected);
  const known = new Set([...VENUE_TIMEFRAMES.upbit, ...VENUE_TIMEFRAMES.binance]);
  const unknown = parsed.filter(([tf]) => !known.has(tf)).map(([tf]) => tf);
  if (unknown.length) throw new UsageError(`invalid ${where}: unknown timeframe ${unknown.join(', ')}`, `timeframes: ${[...known].join(' ')} (1m is a minute, 1M a month)`);
  return new Map(parsed.map(([tf, days]) => [tf, { days, from }]));
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
  const candleEntries = candleRetentionEntries(options.candleRetention, env);
  const pruneCandles = plan.some((p) => p.table === CANDLES);
  // What a retention of 0 would empty, and the setting that says so.
  const zero: Array<{ what: string; why: string }> = plan.filter((p) => p.days === 0 && p.table !== CANDLES).map((p) => ({ what: p.table as string, why: p.from === '--days' ? '--days 0' : `${p.from}=0` }));
  if (pruneCandles) {
    for (const [tf, r] of candleEntries) if (r.days === 0) zero.push({ what: `candles[${tf}]`, why: `${r.from} ${tf}=0` });
    if (env[retentionVar(CANDLES)]?.trim() && resolveRetention(CANDLES, undefined, env, 0).days === 0) zero.push({ what: CANDLES, why: `${retentionVar(CANDLES)}=0` });
  }
  if (zero.length && !options.dryRun && !options.force) {
    const why = [...new Set(zero.map((z) => z.why))].join(' and ');
    const what = zero.length === 1 ? zero[0].what : `${zero.length} tables`;
    throw new UsageError(`${why} deletes every row of ${what} up to now`, 'add --force to confirm, or --dry-run to see the counts');
  }

  return withHandle(options.db, () => openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }), async (db) => {
    const prune = async (sql: SqlClient) => {
      const tables: TablePrune[] = [];
      for (const p of plan) {
        if (p.table === CANDLES) {
          tables.push(...(await pruneCandleTable(db, sql, nowMs, (tf) => candleRetentionOf(tf, candleEntries, env), { dryRun: Boolean(options.dryRun), batchRows, onProgress: options.onProgress })));
          continue;
        }
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
  const { deleted, batches } = await deleteBefore(sql, table, prefix, prefixes, cutoffMs, o);
  const remaining = await count();
  return { deleted, kept: o.dryRun ? remaining - deleted : remaining, batches };
}

/** Rows of `table` before cutoffMs, for each key prefix, in batches on the key index. */
async function deleteBefore(
  sql: SqlClient,
  table: TableName,
  prefix: readonly string[],
  prefixes: readonly string[][],
  cutoffMs: number,
  o: { dryRun: boolean; batchRows: number; onProgress?: PruneOptions['onProgress'] },
): Promise<{ deleted: number; batches: number }> {
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
  return { deleted, batches };
}

/**
 * Candles, timeframe by timeframe with each one's retention. Before a series' rows go, its
 * queried slots before the cutoff are marked `pruned` (on the pool: its own short transaction),
 * so what is deleted stays known history for cqt gaps and is not fetched again by backfill.
 */
async function pruneCandleTable(
  db: Db,
  sql: SqlClient,
  nowMs: number,
  retentionOf: (timeframe: string) => Retention,
  o: { dryRun: boolean; batchRows: number; onProgress?: PruneOptions['onProgress'] },
): Promise<TablePrune[]> {
  if (!o.dryRun) await sql.unsafe(`analyze ${CANDLES}`);
  const prefix = keyPrefix(CANDLES);
  const prefixes = await distinctPrefixes(sql, CANDLES, prefix);
  const timeframes = [...new Set(prefixes.map((p) => p[prefix.indexOf('timeframe')]))].sort();
  const out: TablePrune[] = [];
  for (const timeframe of timeframes) {
    const r = retentionOf(timeframe);
    const mine = prefixes.filter((p) => p[prefix.indexOf('timeframe')] === timeframe);
    const count = async () => Number((await sql.unsafe('select count(*)::float8 as n from candles where timeframe = $1', [timeframe]))[0].n);
    const cutoffMs = r.days === null ? null : nowMs - r.days * DAY_MS;
    let done = { deleted: 0, batches: 0 };
    if (cutoffMs !== null) {
      if (!o.dryRun) {
        for (const [venue, symbol] of mine) await markPruned(db.sql, { venue: venue as 'upbit' | 'binance', symbol, timeframe }, cutoffMs);
      }
      done = await deleteBefore(sql, CANDLES, prefix, mine, cutoffMs, o);
    }
    const remaining = await count();
    out.push({
      table: CANDLES, timeframe, retentionDays: r.days, retentionFrom: r.from, cutoff: cutoffMs === null ? null : new Date(cutoffMs).toISOString(),
      deleted: done.deleted, kept: o.dryRun ? remaining - done.deleted : remaining, batches: done.batches,
    });
  }
  return out;
}

export function output(result: PruneResult): CommandOutput {
  return {
    exitCode: 0,
    json: result,
    human({ colour }) {
      const rows = result.tables.map((t) => [
        t.timeframe ? `${t.table}[${t.timeframe}]` : t.table,
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
