// The bounded queries behind checks and `cqt status`. Every query is a range on a table's primary
// key — an equality on the key columns before ts, then a ts range, or ORDER BY ts DESC LIMIT n
// — so its cost depends on the window, never on how much history the table holds. Rows are
// judged as of a time: ts <= as-of, and arrival (recv_ts) <= as-of where the table records it, so
// a gate replayed later gives the same answer. Table and column names are code constants; only
// values travel as parameters.
import { expectedRows } from '@cqt/freshness';
import type { Observation, RecentRow } from '@cqt/freshness';

/** The part of a postgres.js client the probes use (a method, so postgres.js's Sql fits). */
export interface SqlClient {
  unsafe(query: string, parameters?: unknown[]): PromiseLike<Array<Record<string, any>>>;
}

export interface SourceRef {
  table: string;
  /** Equality filters on the key columns before ts (or, where ts leads the key, on the others). */
  key: ReadonlyArray<readonly [column: string, value: string]>;
  /** SQL expression whose recent values classify() judges (NaN, non-positive prices…). */
  value?: string;
  /** Arrival-time column (recv_ts): rows that arrived after as-of are invisible. */
  arrival?: string;
  /** Lower bound of the newest-row search; required where ts leads the key (feed_events). */
  lookbackSec?: number;
}

/** Rows handed to classify() as the recent sample (non-monotonic ts, bad values). */
export const RECENT_ROWS = 60;
/**
 * How far after as-of a row that had already arrived by as-of is looked for (a future ts is
 * corruption). Bounded so a replay far in the past scans at most this much later data.
 */
export const FUTURE_HORIZON_SEC = 86_400;
const FUTURE_ROWS = 10;

const iso = (ms: number) => new Date(ms).toISOString();

class Query {
  readonly params: unknown[] = [];
  readonly conditions: string[] = [];

  constructor(readonly ref: SourceRef) {
    for (const [column, value] of ref.key) this.conditions.push(`${column} = ${this.param(value)}`);
  }

  param(value: unknown, cast = ''): string {
    this.params.push(value);
    return `$${this.params.length}${cast}`;
  }

  time(ms: number): string {
    return this.param(iso(ms), '::timestamptz');
  }

  /** Rows that had arrived by as-of (where the table records arrival). */
  arrivedBy(asOfMs: number): this {
    if (this.ref.arrival) this.conditions.push(`${this.ref.arrival} <= ${this.time(asOfMs)}`);
    return this;
  }

  where(condition: string): this {
    this.conditions.push(condition);
    return this;
  }

  get whereSql(): string {
    return this.conditions.length ? `where ${this.conditions.join(' and ')}` : '';
  }

  sampleSql(order: 'asc' | 'desc', limit: number): string {
    const { arrival, value, table } = this.ref;
    return `select ts, ${arrival ?? 'null::timestamptz'} as arrival, ${value ?? 'null::float8'} as value
      from ${table} ${this.whereSql} order by ts ${order} limit ${limit}`;
  }
}

interface SampleRow {
  ts: Date;
  arrival: Date | null;
  value: number | null;
}

/**
 * What classify() needs about one source at as-of: the newest ts <= as-of, and a recent sample in
 * arrival order — the newest RECENT_ROWS rows plus any row that had arrived by as-of with a ts
 * more than the tolerance after it (corruption: a clock or unit error).
 */
export async function observe(sql: SqlClient, ref: SourceRef, asOfMs: number, futureToleranceSec: number): Promise<Observation> {
  const recent = new Query(ref);
  recent.where(`ts <= ${recent.time(asOfMs)}`);
  if (ref.lookbackSec !== undefined) recent.where(`ts > ${recent.time(asOfMs - ref.lookbackSec * 1000)}`);
  recent.arrivedBy(asOfMs);
  const rows = (await sql.unsafe(recent.sampleSql('desc', RECENT_ROWS), recent.params)) as SampleRow[];

  let future: SampleRow[] = [];
  if (ref.arrival) {
    const q = new Query(ref);
    q.where(`ts > ${q.time(asOfMs + futureToleranceSec * 1000)}`).where(`ts <= ${q.time(asOfMs + FUTURE_HORIZON_SEC * 1000)}`).arrivedBy(asOfMs);
    future = (await sql.unsafe(q.sampleSql('asc', FUTURE_ROWS), q.params)) as SampleRow[];
  }

  return { newestTsMs: rows[0]?.ts.getTime() ?? null, asOfMs, recent: inArrivalOrder([...rows, ...future]) };
}

// Arrival order (ties by ts): a ts that goes back in this order is what classify calls non-monotonic.
function inArrivalOrder(rows: SampleRow[]): RecentRow[] {
  const key = (r: SampleRow) => [r.arrival?.getTime() ?? r.ts.getTime(), r.ts.getTime()];
  return rows
    .map((r) => ({ r, k: key(r) }))
    .sort((a, b) => a.k[0] - b.k[0] || a.k[1] - b.k[1])
    .map(({ r }) => ({ tsMs: r.ts.getTime(), value: r.value === null ? null : Number(r.value) }));
}

export interface GridWindow {
  stepSec: number;
  /** Grid points t with startMs < t <= endMs are expected (see expectedRows). */
  startMs: number;
  endMs: number;
  expected: number;
  /** Rows with loMs <= ts < hiMs fall on those grid points (a ts counts for the point it floors to). */
  loMs: number;
  hiMs: number;
}

/**
 * The grid a fill rate is measured on: windowSec of grid points ending one step before as-of,
 * because the point at as-of (a bar still open, a snapshot still being computed) cannot be
 * complete yet.
 */
export function gridWindow(asOfMs: number, windowSec: number, stepSec: number): GridWindow {
  const stepMs = Math.round(stepSec * 1000);
  const endMs = asOfMs - stepMs;
  const startMs = endMs - Math.round(windowSec * 1000);
  const floorTo = (ms: number) => Math.floor(ms / stepMs) * stepMs;
  return { stepSec, startMs, endMs, expected: expectedRows(startMs, endMs, stepSec), loMs: floorTo(startMs) + stepMs, hiMs: floorTo(endMs) + stepMs };
}

/**
 * Aggregates over the rows of a grid window that had arrived by as-of, in one range scan:
 * `expressions` maps an output name to an SQL aggregate (code constants only).
 */
export async function aggregateWindow(
  sql: SqlClient,
  ref: SourceRef,
  grid: GridWindow,
  asOfMs: number,
  expressions: Record<string, string>,
): Promise<Record<string, number>> {
  const q = new Query(ref);
  q.where(`ts >= ${q.time(grid.loMs)}`).where(`ts < ${q.time(grid.hiMs)}`).arrivedBy(asOfMs);
  const list = Object.entries(expressions).map(([name, expr]) => `(${expr})::float8 as "${name}"`);
  const [row] = await sql.unsafe(`select ${list.join(', ')} from ${ref.table} ${q.whereSql}`, q.params);
  return Object.fromEntries(Object.keys(expressions).map((name) => [name, Number(row[name])]));
}

/** Distinct grid points of the window that hold at least one row (duplicates count once). */
export async function countGridRows(sql: SqlClient, ref: SourceRef, grid: GridWindow, asOfMs: number): Promise<number> {
  const stepMs = Math.round(grid.stepSec * 1000);
  const { n } = await aggregateWindow(sql, ref, grid, asOfMs, { n: `count(distinct floor(extract(epoch from ts) * 1000 / ${stepMs}))` });
  return n;
}

/**
 * Distinct values of a key prefix (e.g. (symbol, range)) by a loose index scan: one index descent
 * per distinct value, so it stays cheap however many rows share each prefix.
 */
export async function distinctPrefixes(sql: SqlClient, table: string, columns: readonly string[]): Promise<string[][]> {
  const list = columns.join(', ');
  const next = columns.map((c) => `n.${c}`).join(', ');
  const rows = await sql.unsafe(
    `with recursive p as (
       (select ${list} from ${table} order by ${list} limit 1)
       union all
       select ${next} from p cross join lateral
         (select ${list} from ${table} where (${list}) > (${columns.map((c) => `p.${c}`).join(', ')}) order by ${list} limit 1) n
     )
     select ${list} from p`,
  );
  return rows.map((r) => columns.map((c) => String(r[c])));
}
