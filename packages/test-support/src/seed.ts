// Helpers for the check, status and prune tests: series of rows on a grid written through the
// bulk writer (so they look like the collector's), raw SQL for what the writer refuses (NaN, which
// only a 'NaN' literal can put into a float8 column), a healthy store in one call, query-plan
// inspection (the built binary: cqt.ts).
import { createWriter, openDb, type Db, type RowOf, type TableName } from '@cqt/db';
import { createTestDatabase, type TestDatabase } from './pg.js';

/** The as-of most tests evaluate at: 2026-11-23T10:00:00Z. */
export const AS_OF = Date.UTC(2026, 10, 23, 10, 0, 0);
export const SEC = 1000;

/** A real-looking Coinglass key (32 hex characters) and a placeholder. */
export const REAL_KEY = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
export const PLACEHOLDER_KEY = 'your_key_here';

export async function insert<T extends TableName>(db: Db, table: T, rows: RowOf<T>[]): Promise<void> {
  const writer = createWriter(db, table, { batchRows: 20_000 });
  await writer.write(rows);
  const unwritten = await writer.close();
  if (unwritten || writer.stats.rejected) throw new Error(`seeding ${table}: ${writer.stats.rejected} rejected (${writer.lastRejectReason}), ${unwritten} unwritten`);
}

export interface SeriesOptions {
  /** Timestamp of the last row (inclusive). */
  lastTsMs: number;
  count: number;
  stepSec?: number;
  /** Leave out rows whose ts satisfies this (gaps). */
  skip?: (tsMs: number) => boolean;
}

/** Timestamps of a series on a grid ending at lastTsMs, oldest first. */
export function series({ lastTsMs, count, stepSec = 1, skip }: SeriesOptions): number[] {
  const ts = Array.from({ length: count }, (_, i) => lastTsMs - (count - 1 - i) * stepSec * SEC);
  return skip ? ts.filter((t) => !skip(t)) : ts;
}

/** Received this long after the event (what the collector records as recv_ts). */
export const RECV_DELAY_MS = 200;

export const rows = {
  markPrice: (symbol: string, ts: number[], recvDelayMs = RECV_DELAY_MS): RowOf<'binance_mark_price_1s'>[] =>
    ts.map((t, i) => ({ symbol, ts: new Date(t), markPrice: 90_000 + i * 0.1, indexPrice: 90_001, fundingRate: 0.0001, recvTs: new Date(t + recvDelayMs) })),

  // A bar keyed by its open second arrives after it closes.
  market1s: (symbol: string, ts: number[], recvDelayMs = SEC + RECV_DELAY_MS): RowOf<'market_1s'>[] =>
    ts.map((t) => ({
      symbol,
      ts: new Date(t),
      open: 1.4e8,
      high: 1.4e8 + 5000,
      low: 1.4e8 - 5000,
      close: 1.4e8 + 1000,
      volume: 0.01,
      tradeCount: 3,
      bestBid: 1.4e8 - 500,
      bestAsk: 1.4e8 + 500,
      mid: 1.4e8,
      spreadBps: 0.07,
      recvTs: new Date(t + recvDelayMs),
    })),

  metric: (symbol: string, metric: string, ts: number[], value = 1.5, recvDelayMs = RECV_DELAY_MS): RowOf<'binance_futures_metrics'>[] =>
    ts.map((t) => ({ symbol, metric, ts: new Date(t), value, recvTs: new Date(t + recvDelayMs) })),

  /** Snapshots with every feature column set; created just after their ts. */
  feature: (symbol: string, ts: number[], createdDelayMs = RECV_DELAY_MS): RowOf<'feature_snapshots'>[] =>
    ts.map((t) => ({
      symbol,
      ts: new Date(t),
      midKrw: 1.4e8,
      spreadBps: 0.07,
      ret5s: 0.0001,
      ret30s: 0.0002,
      ret60s: 0.0003,
      ret300s: 0.0004,
      rv30s: 0.01,
      rv60s: 0.01,
      rv300s: 0.01,
      tradeCount60s: 12,
      volume60s: 0.5,
      buyVolume60s: 0.3,
      sellVolume60s: 0.2,
      tradeImbalance60s: 0.2,
      bookImbalance: 0.1,
      binMarkPrice: 90_000,
      binIndexPrice: 90_001,
      binFundingRate: 0.0001,
      basis: 0.0005,
      oiValue: 8e9,
      oiValueChg5m: 0.001,
      globalLsRatio: 1.2,
      topLsRatio: 1.1,
      takerLsRatio: 0.9,
      liq5mNotional: 0,
      liq5mCount: 0,
      sigma: 0.002,
      rT: 0.003,
      pUp: 0.3,
      pDown: 0.3,
      pNone: 0.4,
      evRate: 0,
      inputsMaxRecvTs: new Date(t - 100),
      createdAt: new Date(t + createdDelayMs),
    })),
};

/**
 * Everything `cqt check all` and `cqt status` look at, healthy at asOfMs for one Upbit market and
 * one Binance symbol: 1 s bars and mark prices, every futures metric, forceOrder heartbeats,
 * feature snapshots.
 */
export async function seedHealthy(db: Db, { market, symbol, asOfMs = AS_OF }: { market: string; symbol: string; asOfMs?: number }): Promise<void> {
  const last = (sec: number) => asOfMs - sec * SEC;
  await insert(db, 'market_1s', rows.market1s(market, series({ lastTsMs: last(2), count: 700 })));
  await insert(db, 'binance_mark_price_1s', rows.markPrice(symbol, series({ lastTsMs: last(1), count: 700 })));
  await insert(db, 'binance_futures_metrics', [
    'open_interest', 'open_interest_value', 'global_ls_ratio', 'top_ls_ratio', 'taker_ls_ratio', 'basis',
  ].flatMap((metric) => rows.metric(symbol, metric, series({ lastTsMs: last(30), count: 5, stepSec: 60 }))));
  const streams = [`${symbol.toLowerCase()}@markPrice@1s`, `${symbol.toLowerCase()}@forceOrder`];
  await insert(db, 'feed_events', series({ lastTsMs: last(20), count: 10, stepSec: 60 }).map((t) => ({ ts: new Date(t), source: 'binance.ws', kind: 'heartbeat', detail: { streams } })));
  await insert(db, 'feature_snapshots', rows.feature(market, series({ lastTsMs: last(5), count: 150, stepSec: 5 })));
}

/** Sets a column to a raw SQL literal (e.g. 'NaN'::float8) for the given rows of a symbol. */
export async function setRaw(db: Db, table: TableName, column: string, literal: string, symbol: string, tsMs: number[]): Promise<void> {
  await db.sql.unsafe(`update ${table} set ${column} = ${literal} where symbol = $1 and ts = any($2::timestamptz[])`, [
    symbol,
    tsMs.map((t) => new Date(t).toISOString()),
  ]);
}

// --- query plans ------------------------------------------------------------------------------

/** A handle whose raw queries are recorded (checks and status query through sql.unsafe). */
export function recordQueries(db: Db): { db: Db; queries: Array<[string, unknown[]]> } {
  const queries: Array<[string, unknown[]]> = [];
  const sql = new Proxy(db.sql, {
    get(target, prop, receiver) {
      if (prop !== 'unsafe') return Reflect.get(target, prop, receiver);
      return (query: string, params?: unknown[]) => {
        queries.push([query, params ?? []]);
        return target.unsafe(query, params as never);
      };
    },
  });
  return { db: { ...db, sql }, queries };
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

/**
 * The recorded reads that PostgreSQL cannot answer from a bounded index range, even with
 * sequential scans disabled: a Seq Scan, or an index scan with no Index Cond (a full index walk)
 * that is not cut short by a LIMIT right above it.
 */
export async function unindexedReads(db: Db, queries: Array<[string, unknown[]]>): Promise<string[]> {
  const unbounded = (node: PlanNode, parent: PlanNode | null): string[] => {
    const type = node['Node Type'];
    const here =
      type === 'Seq Scan' || (/^(Bitmap )?Index (Only )?Scan$/.test(type) && !node['Index Cond'] && parent?.['Node Type'] !== 'Limit')
        ? [`${type} on ${node['Relation Name'] ?? node['Index Name']}`]
        : [];
    return [...here, ...(node.Plans ?? []).flatMap((child) => unbounded(child, node))];
  };
  const conn = await db.sql.reserve();
  try {
    await conn`set enable_seqscan = off`;
    const found: string[] = [];
    for (const [query, params] of queries) {
      if (!/^\s*(select|with)\b/i.test(query)) continue;
      const [row] = await conn.unsafe(`explain (format json) ${query}`, params as never);
      const plan = (row['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0].Plan;
      const scans = unbounded(plan, null);
      if (scans.length) found.push(`${scans.join(', ')}: ${query.replace(/\s+/g, ' ')}`);
    }
    return found;
  } finally {
    await conn`reset enable_seqscan`;
    conn.release();
  }
}

/** A fresh PostgreSQL database filled by `fill` through a cqt store handle; the caller drops it. */
export async function seededDatabase(fill: (db: Db) => Promise<unknown>): Promise<TestDatabase> {
  const pg = await createTestDatabase();
  const db = await openDb({ databaseUrl: pg.url });
  try {
    await fill(db);
  } finally {
    await db.close();
  }
  return pg;
}
