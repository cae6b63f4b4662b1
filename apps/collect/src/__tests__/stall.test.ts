// An Upbit stall: the socket stays open (pings answered) but no data frame arrives. No bar may be
// written for a second the feed did not prove it delivered, and the stall is a gap from the
// second of the last frame before it — whether the watchdog replaces the socket during the stall
// or the data comes back on the same socket first.
import { afterEach, describe, expect, it } from 'vitest';
import postgres, { type Sql } from 'postgres';
import type { FakeExchange } from '@cqt/testkit';
import { createTestDatabase, type TestDatabase } from '@cqt/test-support/pg';
import { collectorEnv, fakeExchange, Observer, startCollect, waitUntil, type Collection } from './support.js';

const SEC = 1000;
const STALL_MS = 10_000;
const floorSec = (ms: number) => Math.floor(ms / SEC) * SEC;

interface Ctx {
  fx: FakeExchange;
  pg: TestDatabase;
  sql: Sql;
  collect: Collection;
  observer: Observer;
}

const open: Ctx[] = [];

afterEach(async () => {
  for (const c of open.splice(0)) {
    await c.collect.stop().catch(() => undefined);
    c.observer.close();
    await c.sql.end();
    await c.fx.close();
    await c.pg.drop();
  }
});

async function rowCount(sql: Sql, where = 'true'): Promise<number> {
  try {
    const [r] = await sql.unsafe(`select count(*)::int as n from market_1s where ${where}`);
    return r.n as number;
  } catch {
    return 0; // table not migrated yet
  }
}

/** Exchange timestamps of the data frames (trades, order books) a plain client received. */
function dataTimestamps(observer: Observer): number[] {
  return observer.frames.map((f) => JSON.parse(f.text)).filter((m) => m.type === 'trade' || m.type === 'orderbook').map((m) => m.timestamp as number);
}

async function stallUpbit(staleAfterSec: number) {
  const fx = await fakeExchange({ seed: 42 });
  const pg = await createTestDatabase();
  const sql = postgres(pg.url, { max: 2, onnotice: () => {} });
  // A client subscribed all along sees the same frames the collector gets (a stall holds back
  // every connection's data), so it tells which frame was the last before the stall.
  const observer = await Observer.upbit(fx, 'KRW-BTC');
  const collect = startCollect({ env: collectorEnv(fx), databaseUrl: pg.url, staleAfterSec });
  open.push({ fx, pg, sql, collect, observer });
  await waitUntil(async () => (await rowCount(sql)) >= 3, 'three market_1s rows');

  const stallStartMs = Date.now();
  fx.faults.stall('upbit', STALL_MS);
  const stallEndMs = stallStartMs + STALL_MS;
  // Data is back and proven: rows for seconds well after the stall.
  await waitUntil(async () => (await rowCount(sql, `ts >= '${new Date(stallEndMs + 2 * SEC).toISOString()}'`)) >= 2, 'rows after the stall', 40_000);
  await collect.stop();

  const stamps = dataTimestamps(observer);
  const lastBeforeMs = Math.max(...stamps.filter((t) => t < stallStartMs));
  const firstAfterMs = Math.min(...stamps.filter((t) => t >= stallStartMs));
  const rows = (await sql`select ts, trade_count from market_1s where symbol = 'KRW-BTC' order by ts`).map((r) => ({ secMs: r.ts.getTime() as number, trades: r.trade_count as number }));
  const gaps = await sql`select gap_from, gap_to, detail from feed_events where source = 'upbit.ws' and kind = 'gap' order by ts`;
  return { fx, rows, gaps, lastBeforeMs, firstAfterMs, stallStartMs, stallEndMs };
}

function expectStallIsAGap(r: Awaited<ReturnType<typeof stallUpbit>>) {
  expect(r.fx.stats.upbit.dataFramesSuppressed).toBeGreaterThan(0);
  // Not one row for a second after the last frame's: the stall wrote nothing that looks calm.
  const invented = r.rows.filter((row) => row.secMs >= floorSec(r.lastBeforeMs) && row.secMs < floorSec(r.firstAfterMs));
  expect(invented).toEqual([]);
  // One gap, from the last frame's second to where coverage resumed after the first frame back.
  expect(r.gaps.map((g) => g.gap_from.getTime())).toEqual([floorSec(r.lastBeforeMs)]);
  // Coverage resumes at the whole second after the collector's first data frame back, which was
  // sent after the stall ended; it may precede the plain client's first frame (a reconnected
  // collector gets a subscription snapshot the client subscribed all along does not), never by a
  // second. A frame carries the exchange time its trade was made, which on a loaded machine
  // precedes its send by the event loop's lag (gap_to 1796431168000 for a stall ending at …028).
  const gapToMs = r.gaps[0].gap_to.getTime() as number;
  expect(gapToMs).toBeGreaterThanOrEqual(floorSec(r.stallEndMs));
  expect(gapToMs).toBeGreaterThan(floorSec(r.firstAfterMs) - SEC);
  expect(gapToMs - r.firstAfterMs).toBeLessThanOrEqual(2 * SEC);
  // Every second once, contiguous on both sides of the gap and across nothing else.
  const secs = r.rows.map((row) => row.secMs);
  expect(secs.filter((t) => t < floorSec(r.lastBeforeMs)).length).toBeGreaterThan(0);
  expect(secs.filter((t) => t >= gapToMs).length).toBeGreaterThan(0);
  for (let i = 1; i < secs.length; i++) {
    if (secs[i] - secs[i - 1] !== SEC) expect([secs[i - 1] + SEC, secs[i]]).toEqual([floorSec(r.lastBeforeMs), gapToMs]);
  }
}

describe('collect when Upbit stalls (socket open, pings answered, no data)', () => {
  it('data back before the watchdog fires: no bars for the silent seconds, a gap from the last frame', async () => {
    expectStallIsAGap(await stallUpbit(30));
  });

  it('the watchdog replaces the socket during the stall: no bars for the silent seconds, a gap from the last frame', async () => {
    expectStallIsAGap(await stallUpbit(3));
  });
});
