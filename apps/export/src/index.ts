// `cqt export`: one Parquet row per feature snapshot t0 — features, prediction fields and the
// triple-barrier label over (t0, t0+H] with its label_ts = t0 + H — built through DuckDB.
// Rows stream from the store in pages (bounded memory), labels are computed per page on the
// market_1s price path, raw columns (--with-raw) are joined backward as of t0 (recv_ts <= t0 and
// ts <= t0), and the file appears atomically (temp + rename): a failed or interrupted export
// leaves nothing behind.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { loadConfig, RuntimeFailure, UsageError, type CommandOutput } from '@cqt/config';
import { openDb, tableMeta, type Db } from '@cqt/db';
import { barEndPricePath, datasetColumns, dominantClass, featureColumns, LABEL_COLUMNS, PREDICTION_COLUMNS, labelTripleBarrier, LabelStatus, labelName, statusName } from '@cqt/labeling';
import { exportFlags } from './command.js';
import { DuckSession, ident, literal, type DuckColumn } from './duck.js';
import { copyRawCsv, copySnapshotsCsv, newestBarMs, PAGE_ROWS, pricePages, rawSpecs, SNAPSHOT_LABEL_INPUTS, type PriceRow, type SnapshotRow } from './sources.js';

export interface ExportOptions {
  out: string;
  symbol?: string;
  binanceSymbol?: string;
  fromMs?: number;
  toMs?: number;
  lastSec?: number;
  asOfMs?: number;
  horizonSec?: number;
  intervalSec?: number;
  /** Fixed barrier half-width instead of each snapshot's r_t. */
  rT?: number;
  /** Without a predictions row of the horizon, use the snapshot's r_t though it was computed for another horizon. */
  otherHorizonRt?: boolean;
  withRaw?: boolean;
  /** Hive-style folder: by UTC date, or by symbol then date (several exports share one root). */
  partitionBy?: 'date' | 'symbol,date';
  /** Also write rows whose label is not complete (gap, incomplete, no price), with label null. */
  keepUnlabeled?: boolean;
  databaseUrl?: string;
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** DuckDB's memory limit (it spills to a temp file beyond it); default '128MB'. */
  memoryLimit?: string;
  /** Progress callback (the CLI shows a spinner on a TTY). */
  onProgress?: (text: string) => void;
}

export interface ExportResult {
  out: string;
  symbol: string;
  fromTs: string;
  toTs: string;
  horizonSec: number;
  rows: number;
  skipped: Record<string, number>;
  labels: { UP: number; DOWN: number; NONE: number };
  labelShares: { UP: number; DOWN: number; NONE: number };
  warnings: string[];
  nullRates: Record<string, number>;
  columns: Array<{ name: string; type: string }>;
  bytes: number;
  seconds: number;
}

/** How far before the range raw rows are read, so the first t0 finds its as-of row. */
const RAW_LOOKBACK_MS = 3600_000;
/** Raw rows can be received slightly before their exchange ts (clock skew): read a little past the end. */
const RAW_SLACK_MS = 60_000;
/** Labelled rows joined to their features and raw columns per statement group. */
const JOIN_ROWS = 10_000;

export async function run(options: ExportOptions): Promise<ExportResult> {
  const started = Date.now();
  const { values: config } = loadConfig({ env: options.env, flags: { databaseUrl: options.databaseUrl, dataDir: options.dataDir } });
  const symbol = options.symbol ?? config.upbitMarkets[0];
  const binanceSymbol = options.binanceSymbol ?? config.binanceSymbols[0];
  const horizonSec = options.horizonSec ?? exportFlags.horizonSec.default;
  if (!Number.isInteger(horizonSec) || horizonSec <= 0) throw new UsageError(`invalid --horizon ${horizonSec}`, 'a whole number of seconds > 0');
  if (options.rT !== undefined && !(options.rT > 0 && options.rT < 1)) throw new UsageError(`invalid --r-t ${options.rT}`, 'a fraction between 0 and 1, e.g. 0.002');
  const out = resolve(options.out);
  if (!existsSync(dirname(out))) throw new UsageError(`output folder does not exist: ${dirname(out)}`, 'create it or choose another --out');
  const asOfMs = options.asOfMs ?? Date.now();
  const toMs = options.toMs ?? asOfMs;
  const fromMs = options.fromMs ?? toMs - (options.lastSec ?? exportFlags.lastSec.default) * 1000;
  if (!(fromMs < toMs)) throw new UsageError('the export range is empty (--from must be before --to)', 'check --from/--to/--last');

  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const work = mkdtempSync(join(tmpdir(), 'cqt-export-'));
  const tmpOut = `${out}.tmp-${process.pid}`;
  let duck: DuckSession | null = null;
  try {
    duck = await DuckSession.open(work, options.memoryLimit ?? '128MB');
    const progress = options.onProgress ?? (() => {});
    const abortCheck = () => {
      if (options.signal?.aborted) throw new RuntimeFailure('export interrupted; no file written', 'run it again');
    };

    // The last instant whose price is known: the newest bar's book holds at the end of its second.
    const dataEndMs = Math.min(((await newestBarMs(db.sql, symbol)) ?? -Infinity) + 1000, asOfMs);
    const storeCols = tableMeta('feature_snapshots').columns;
    const datasetCols = datasetColumns(storeCols, false);
    // The snapshots of the range go into DuckDB as they are (COPY … TO STDOUT as CSV, one
    // statement); JS reads only what labelling needs, page by page, and appends the label columns
    // to `labels`, which each page joins back on ts (decision 158). jsonb columns are read back
    // and rewritten as postgres.js + JSON.stringify wrote them before, so the files do not change.
    const features = featureColumns(storeCols);
    const jsonCols = storeCols.filter((c) => c.sqlType === 'jsonb' && features.some((f) => f.name === c.name)).map((c) => c.name);
    const snapCols = [...features, ...PREDICTION_COLUMNS, ...SNAPSHOT_LABEL_INPUTS];
    await duck.createTable('snaps', snapCols);
    const snapFile = join(work, 'snaps.csv');
    await copySnapshotsCsv(db.sql, symbol, fromMs, toMs, horizonSec, features, snapFile);
    abortCheck();
    await duck.insertCsv('snaps', snapCols, snapFile);
    rmSync(snapFile);
    const labelCols: DuckColumn[] = [{ name: 'ts', type: 'TIMESTAMPTZ' }, ...LABEL_COLUMNS, ...jsonCols.map((name) => ({ name, type: 'VARCHAR' as const }))];
    await duck.createTable('labels', labelCols);
    const fromLabels = new Set(labelCols.map((c) => c.name));
    const pageSelect = `SELECT ${datasetCols.map((c) => `${fromLabels.has(c.name) ? 'l' : 's'}.${ident(c.name)}`).join(', ')} FROM labels l JOIN snaps s ON s.ts = l.ts`;
    // Raw tables and their as-of picks come first, so each page of labelled rows is joined and
    // appended to `result` as it arrives: a join statement holds one page of dataset rows and the
    // raw rows that page picks, whatever the length of the range (joins pin what they build; one
    // statement with all eight joins over the whole range ran out of the limit, decision 127).
    // Pages arrive in ts order, so `result` is in ts order without a final sort.
    const raws: RawJoin[] = [];
    if (options.withRaw) {
      for (const spec of rawSpecs(symbol, binanceSymbol)) {
        const cols: DuckColumn[] = [{ name: 'recv_ts', type: 'TIMESTAMPTZ' }, { name: 'ts', type: 'TIMESTAMPTZ' }, ...spec.columns];
        await duck.createTable(spec.name, cols);
        const file = join(work, `${spec.name}.csv`);
        await copyRawCsv(db.sql, spec, fromMs - RAW_LOOKBACK_MS, toMs + RAW_SLACK_MS, file);
        abortCheck();
        await duck.insertCsv(spec.name, cols, file);
        rmSync(file);
        progress(`raw ${spec.name}`);
        const pick = `${spec.name}_asof`;
        await duck.run(asOfPickTable(pick, spec.name));
        raws.push({ raw: spec.name, pick, columns: spec.columns.map((c) => c.name) });
      }
      await duck.createTable('page', datasetCols);
    }
    await duck.createTable('result', [...datasetCols, ...(options.withRaw ? rawSpecs(symbol, binanceSymbol).flatMap((s) => s.columns) : [])]);

    const skipped: Record<string, number> = {};
    const skip = (reason: string) => (skipped[reason] = (skipped[reason] ?? 0) + 1);
    const intervalMs = (options.intervalSec ?? 0) * 1000;
    let written = 0;
    // Labelled rows wait in `labels` until JOIN_ROWS of them are joined at once: each join is a
    // dozen statements whatever its size, so fewer, larger joins cost less (still bounded).
    type Pending = { fromTs: Date; toTs: Date; rows: number };
    let pending = null as Pending | null;
    const session = duck;
    const joinPending = async (): Promise<void> => {
      if (!pending) return;
      // Bounds as literals, so the scan of snaps prunes by zone map (it is in ts order).
      const range = `s.ts BETWEEN ${tsLiteral(pending.fromTs)} AND ${tsLiteral(pending.toTs)}`;
      await session.run(`INSERT INTO ${options.withRaw ? 'page' : 'result'} ${pageSelect} WHERE ${range} ORDER BY s.ts`);
      if (options.withRaw) {
        await joinPage(session, raws);
        await session.run('DELETE FROM page');
      }
      await session.run('DELETE FROM labels');
      pending = null;
    };
    for await (const page of snapshotPages(duck, PAGE_ROWS, jsonCols)) {
      abortCheck();
      const events = intervalMs > 0 ? page.filter((r) => r.ts.getTime() % intervalMs === 0) : page;
      const rows = await labelPage(db, symbol, events, horizonSec, dataEndMs, { fixedRt: options.rT, otherHorizonRt: options.otherHorizonRt ?? false }, skip);
      const kept = rows.filter((r) => options.keepUnlabeled || r.label_status === 'complete');
      await duck.append('labels', labelCols, kept);
      if (kept.length > 0) {
        pending = { fromTs: pending?.fromTs ?? (kept[0].ts as Date), toTs: kept[kept.length - 1].ts as Date, rows: (pending?.rows ?? 0) + kept.length };
        if (pending.rows >= JOIN_ROWS) await joinPending();
      }
      written += kept.length;
      for (const r of rows) if (!options.keepUnlabeled && r.label_status !== 'complete') skip(String(r.label_status));
      progress(`${written} rows, up to ${page[page.length - 1].ts.toISOString()}`);
    }
    await joinPending();

    // Summary from the final table (what the file will hold).
    const columns = (await duck.rows(`SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_name = 'result' ORDER BY ordinal_position`)) as Array<{ name: string; type: string }>;
    const nullExprs = columns.map((c) => `count(*) - count(${ident(c.name)}) AS ${ident(c.name)}`).join(', ');
    const [nulls] = await duck.rows(`SELECT count(*) AS n, ${nullExprs} FROM result`);
    const total = Number(nulls.n);
    const nullRates = Object.fromEntries(columns.map((c) => [c.name, total ? Number(nulls[c.name]) / total : 0]));
    const dist = await duck.rows(`SELECT label, count(*) AS n FROM result WHERE label IS NOT NULL GROUP BY label`);
    const labels = { UP: 0, DOWN: 0, NONE: 0 };
    for (const d of dist) labels[d.label as keyof typeof labels] = Number(d.n);
    const labelled = labels.UP + labels.DOWN + labels.NONE;
    const labelShares = { UP: share(labels.UP, labelled), DOWN: share(labels.DOWN, labelled), NONE: share(labels.NONE, labelled) };
    const warnings: string[] = [];
    const dominant = dominantClass({ total: labelled, excluded: 0, counts: labels, shares: labelShares }, 0.95);
    if (dominant) {
      warnings.push(
        `${dominant.label} is ${(dominant.share * 100).toFixed(1)}% of labels: ` +
          (dominant.label === 'NONE' ? 'the barriers are rarely touched — use a smaller r_t (--r-t) or a longer --horizon' : 'the labels are one-sided — check the range and r_t'),
      );
    }
    if (skipped.r_t_other_horizon) {
      warnings.push(
        `${skipped.r_t_other_horizon} snapshots have no predictions row for --horizon ${horizonSec} s and were left out: their r_t was computed for another horizon ` +
          `(run \`cqt predict --backfill --horizon ${horizonSec}s\`, give --r-t, or accept it with --other-horizon-r-t)`,
      );
    }
    if (total === 0) warnings.push(`no rows: no complete labels for ${symbol} in the range (run \`cqt predict --backfill\` first?)`);

    abortCheck();
    progress('writing parquet');
    const bySymbol = options.partitionBy === 'symbol,date';
    const keys = options.partitionBy ? options.partitionBy.split(',') : [];
    // Partition columns live in the folder names only (Hive style); readers add them back.
    const extra = keys.includes('date') ? ', CAST(ts AS DATE) AS date' : '';
    await duck.run(
      `COPY (SELECT *${extra} FROM result) TO ${literal(tmpOut)} (FORMAT parquet, COMPRESSION zstd${keys.length ? `, PARTITION_BY (${keys.join(', ')}), OVERWRITE_OR_IGNORE` : ''})`,
    );
    abortCheck();
    if (bySymbol) replaceSymbolPartition(tmpOut, out, symbol);
    else replaceAtomically(tmpOut, out);
    return {
      out,
      symbol,
      fromTs: new Date(fromMs).toISOString(),
      toTs: new Date(toMs).toISOString(),
      horizonSec,
      rows: total,
      skipped,
      labels,
      labelShares,
      warnings,
      nullRates,
      columns,
      bytes: sizeOf(out),
      seconds: (Date.now() - started) / 1000,
    };
  } catch (err) {
    throw duckOutOfMemory(err, options.memoryLimit ?? '128MB') ?? err;
  } finally {
    duck?.close();
    rmSync(tmpOut, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
    await db.close();
  }
}

const share = (n: number, total: number) => (total ? n / total : 0);

const tsLiteral = (d: Date) => `TIMESTAMPTZ ${literal(d.toISOString())}`;

/**
 * The snapshots in DuckDB's `snaps`, `limit` at a time in ts order, with only what labelling
 * reads: ts, r_t, the prediction fields, and the jsonb columns parsed as postgres.js parses them.
 */
async function* snapshotPages(duck: DuckSession, limit: number, jsonCols: readonly string[]): AsyncGenerator<SnapshotRow[]> {
  let after = 'TRUE';
  for (;;) {
    const read = await duck.rows(
      `SELECT epoch_ms(ts) AS ts_ms, r_t, pred_r_t, pred_horizon_sec, snapshot_horizon_sec${jsonCols.map((c) => `, ${ident(c)}`).join('')} FROM snaps WHERE ${after} ORDER BY ts LIMIT ${limit}`,
    );
    if (read.length === 0) return;
    const rows = read.map((r) => {
      const row: SnapshotRow = {
        ts: new Date(Number(r.ts_ms)),
        r_t: r.r_t as number | null,
        pred_r_t: r.pred_r_t as number | null,
        pred_horizon_sec: r.pred_horizon_sec as number | null,
        snapshot_horizon_sec: r.snapshot_horizon_sec as number | null,
      };
      for (const c of jsonCols) row[c] = r[c] === null ? null : JSON.parse(r[c] as string);
      return row;
    });
    yield rows;
    if (rows.length < limit) return;
    after = `ts > ${tsLiteral(rows[rows.length - 1].ts)}`;
  }
}

/** DuckDB's out-of-memory as the one-line failure the CLI prints (exit 2), or null for any other error. */
function duckOutOfMemory(err: unknown, limit: string): RuntimeFailure | null {
  const message = err instanceof Error ? err.message : String(err);
  if (!/Out of Memory Error|could not allocate|failed to pin block/i.test(message)) return null;
  const detail = message.split('\n')[0].replace(/^.*?(Out of Memory Error:\s*)/i, '');
  return new RuntimeFailure(
    `DuckDB ran out of memory (limit ${limit}): ${detail}; no file written`,
    'export a shorter range (--from/--to or --last) and concatenate the files, and report it: an export is meant to fit its limit',
    err,
  );
}

interface RawJoin {
  raw: string;
  pick: string;
  columns: string[];
}

/**
 * Joins the rows in `page` to their as-of raw rows and appends them to `result` in ts order. The
 * picks are made on page keys only (ts), against only the pick rows the page can reach (from the
 * last one known at its first t0 to its last t0), and each raw table is read only over the ts
 * range those picks name — so the pinned build sides are one page's worth, not the whole range.
 */
async function joinPage(duck: DuckSession, raws: RawJoin[]): Promise<void> {
  // Bounds are inlined as literals (text casts of UTC timestamps), so the scans prune by zone map.
  const ts = (v: unknown) => (v === null ? 'NULL' : `TIMESTAMPTZ ${literal(String(v))}`);
  const [page] = await duck.rows(`SELECT CAST(min(ts) AS VARCHAR) AS lo, CAST(max(ts) AS VARCHAR) AS hi FROM page`);
  if (page.lo === null) return;
  const [from] = await duck.rows(
    `SELECT ${raws.map((r, i) => `CAST((SELECT max(known_ts) FROM ${ident(r.pick)} WHERE known_ts <= ${ts(page.lo)}) AS VARCHAR) AS f${i}`).join(', ')}`,
  );
  const picks = raws.map((r, i) => {
    const lo = from[`f${i}`] === null ? '' : `known_ts >= ${ts(from[`f${i}`])} AND `;
    return `ASOF LEFT JOIN (SELECT * FROM ${ident(r.pick)} WHERE ${lo}known_ts <= ${ts(page.hi)}) k${i} ON d.ts >= k${i}.known_ts`;
  });
  await duck.run(`CREATE OR REPLACE TEMP TABLE page_picks AS SELECT d.ts, ${raws.map((_, i) => `k${i}.pick_ts AS p${i}`).join(', ')} FROM (SELECT ts FROM page) d ${picks.join(' ')}`);
  const [range] = await duck.rows(`SELECT ${raws.map((_, i) => `CAST(min(p${i}) AS VARCHAR) AS lo${i}, CAST(max(p${i}) AS VARCHAR) AS hi${i}`).join(', ')} FROM page_picks`);
  // One hash join per statement: each join's build side holds fixed per-thread partition buffers,
  // so eight in one pipeline pinned far more than the rows they held. The per-source columns come
  // out in page order and are stitched to the page positionally.
  for (const [i, r] of raws.entries()) {
    const where = range[`lo${i}`] === null ? 'false' : `ts BETWEEN ${ts(range[`lo${i}`])} AND ${ts(range[`hi${i}`])}`;
    const cols = r.columns.map((c) => `x.${ident(c)}`).join(', ');
    await duck.run(`CREATE OR REPLACE TEMP TABLE page_raw${i} AS SELECT ${cols} FROM page_picks p LEFT JOIN (SELECT * FROM ${ident(r.raw)} WHERE ${where}) x ON x.ts = p.p${i} ORDER BY p.ts`);
  }
  await duck.run(`INSERT INTO result SELECT * FROM page d ${raws.map((_, i) => `POSITIONAL JOIN page_raw${i}`).join(' ')}`);
}

/**
 * The as-of pick of one raw table: a t0 may use a row once it was received and its exchange ts has
 * passed (recv_ts <= t0 and ts <= t0, i.e. known_ts = greatest(recv_ts, ts) <= t0), and takes the
 * newest received of those, ties (one REST poll returns several points) to the newest ts. An ASOF
 * join on known_ts finds the last row usable at t0; `pick_ts` is the ts of the best row among all
 * rows usable by then (a running maximum of (recv_ts, ts) over known_ts, peers included), so a row
 * whose clock ran ahead can neither leak in early nor hide a row received with it. ts is unique
 * within a raw table (its key, one symbol/metric), so pick_ts names one row.
 */
function asOfPickTable(name: string, raw: string): string {
  return `CREATE TABLE ${ident(name)} AS
    SELECT DISTINCT known_ts, max({'recv_ts': recv_ts, 'ts': ts}) OVER (ORDER BY known_ts RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW).ts AS pick_ts
    FROM (SELECT greatest(recv_ts, ts) AS known_ts, recv_ts, ts FROM ${ident(raw)})
    ORDER BY known_ts`;
}

export type BarrierSource = 'fixed' | 'prediction' | 'snapshot';

/** The barrier half-width of one row and where it came from. */
export interface Barrier {
  rT: number;
  source: BarrierSource;
  /** The horizon r_t was computed for; null for a fixed one, or a snapshot's whose horizon is unknown. */
  horizonSec: number | null;
}

export interface BarrierChoice {
  fixedRt: number | undefined;
  otherHorizonRt: boolean;
}

/**
 * A row's barrier: --r-t, else the r_t of the predictions row of the export's horizon. The
 * snapshot's own r_t belongs to whatever horizon the predictor ran with (r_t grows with the
 * horizon), so it stands in only when asked (--other-horizon-r-t) and the row says so. A
 * predictions row of the horizon whose r_t is null is final: sigma was missing for it too.
 */
export function chooseBarrier(s: SnapshotRow, choice: BarrierChoice): Barrier | { skip: 'no_r_t' | 'r_t_other_horizon' } {
  const usable = (r: unknown): r is number => typeof r === 'number' && r >= 0 && r < Infinity;
  if (choice.fixedRt !== undefined) return { rT: choice.fixedRt, source: 'fixed', horizonSec: null };
  if (s.pred_horizon_sec !== null) return usable(s.pred_r_t) ? { rT: s.pred_r_t, source: 'prediction', horizonSec: s.pred_horizon_sec } : { skip: 'no_r_t' };
  if (!usable(s.r_t)) return { skip: 'no_r_t' };
  if (!choice.otherHorizonRt) return { skip: 'r_t_other_horizon' };
  return { rT: s.r_t, source: 'snapshot', horizonSec: s.snapshot_horizon_sec };
}

/**
 * Labels one page of snapshots on the price path (the instants t0 … last t0 + H: bars keyed t0 − 1 s
 * … last t0 + H − 1 s, see barEndPricePath), as dataset rows.
 */
async function labelPage(
  db: Db,
  symbol: string,
  snapshots: SnapshotRow[],
  horizonSec: number,
  dataEndMs: number,
  choice: BarrierChoice,
  skip: (reason: string) => void,
): Promise<Record<string, unknown>[]> {
  const events: SnapshotRow[] = [];
  const barriers: Barrier[] = [];
  for (const s of snapshots) {
    const barrier = chooseBarrier(s, choice);
    if ('skip' in barrier) {
      skip(barrier.skip);
      continue;
    }
    events.push(s);
    barriers.push(barrier);
  }
  if (events.length === 0) return [];
  const firstMs = events[0].ts.getTime();
  const lastMs = events[events.length - 1].ts.getTime();
  // The path never reaches past the data end seen at the start, so a label cannot depend on rows
  // written while the export runs.
  const pathEndMs = Math.min(lastMs + horizonSec * 1000, dataEndMs);
  const prices: PriceRow[] = [];
  if (pathEndMs >= firstMs) for await (const p of pricePages(db.sql, symbol, firstMs - 1000, pathEndMs - 1000)) prices.push(...p);
  const path = barEndPricePath(prices);
  const halfWidth = Float64Array.from(barriers, (b) => b.rT);
  const t0Sec = Float64Array.from(events, (s) => s.ts.getTime() / 1000);
  const labels = labelTripleBarrier(path, { horizonSec, halfWidth, t0Sec });
  return events.map((s, e) => {
    const status = labels.status[e];
    const complete = status === LabelStatus.complete;
    const { pred_r_t: _p, pred_horizon_sec: _h, snapshot_horizon_sec: _s, ...features } = s;
    return {
      ...features,
      horizon_sec: horizonSec,
      r_t_used: halfWidth[e],
      r_t_source: barriers[e].source,
      r_t_horizon_sec: barriers[e].horizonSec,
      label: complete ? labelName(labels.label[e]) : null,
      label_status: statusName(status),
      label_ts: labels.labelTsSec[e] * 1000,
      touch_ts: Number.isNaN(labels.touchTsSec[e]) ? null : labels.touchTsSec[e] * 1000,
      ret_h: complete ? labels.horizonReturn[e] : null,
    };
  });
}

function replaceAtomically(tmp: string, out: string): void {
  if (existsSync(out) && statSync(out).isDirectory()) {
    // A partitioned dataset is a folder: swap it in, then drop the old one.
    const old = `${out}.old-${process.pid}`;
    renameSync(out, old);
    renameSync(tmp, out);
    rmSync(old, { recursive: true, force: true });
    return;
  }
  renameSync(tmp, out);
}

/**
 * `OUT/symbol=<symbol>/` swapped in from the temp folder; the other symbols' partitions of the
 * shared root stay as they are. An export with no row leaves no partition for its symbol.
 */
function replaceSymbolPartition(tmp: string, out: string, symbol: string): void {
  mkdirSync(out, { recursive: true });
  const made = existsSync(tmp) ? readdirSync(tmp) : [];
  if (made.length > 1) throw new Error(`internal: one symbol partition expected in ${tmp}, found ${made.join(', ')}`);
  const name = made[0] ?? `symbol=${symbol}`;
  if (made.length) replaceAtomically(join(tmp, name), join(out, name));
  else rmSync(join(out, name), { recursive: true, force: true });
}

function sizeOf(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  let total = 0;
  const walk = (p: string): void => {
    const s = statSync(p);
    if (s.isDirectory()) for (const f of readdirSync(p)) walk(join(p, f));
    else total += s.size;
  };
  walk(path);
  return total;
}

export function output(result: ExportResult): CommandOutput {
  return {
    exitCode: 0,
    json: result,
    human: () => {
      const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
      const nullCols = Object.entries(result.nullRates)
        .filter(([, r]) => r > 0)
        .map(([c, r]) => `${c} ${pct(r)}`);
      return [
        `wrote ${result.out} (${(result.bytes / 1024).toFixed(0)} KiB, ${result.rows} rows, ${result.columns.length} columns) in ${result.seconds.toFixed(1)} s`,
        `range ${result.fromTs} → ${result.toTs}, ${result.symbol}, horizon ${result.horizonSec} s`,
        `labels UP ${result.labels.UP} (${pct(result.labelShares.UP)})  DOWN ${result.labels.DOWN} (${pct(result.labelShares.DOWN)})  NONE ${result.labels.NONE} (${pct(result.labelShares.NONE)})`,
        `skipped ${Object.keys(result.skipped).length ? Object.entries(result.skipped).map(([k, n]) => `${k} ${n}`).join(', ') : 'none'}`,
        `null rates: ${nullCols.length ? nullCols.join(', ') : 'none'}`,
        ...result.warnings.map((w) => `WARNING ${w}`),
      ].join('\n');
    },
  };
}
