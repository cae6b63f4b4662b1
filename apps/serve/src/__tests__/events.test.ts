// /api/events on both backends over real HTTP: `ready` then `status` on connect; rows written
// after that arrive as `rows` events with their values; a class change (a hard-stale source
// catching up) is a new `status`; heartbeats are comments; a client that leaves stops the
// polling (no more store reads); closing the server ends open streams; the token guards it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RowOf } from '@cqt/db';
import { describeBackends } from '@cqt/test-support/backends';
import { AS_OF, SEC, insert, recordQueries, rows, seedHealthy, series } from '@cqt/test-support/seed';
import { startServer, type RunningServer } from '../index.js';
import { openEvents } from './sse.js';

const ENV = { CQT_UPBIT_MARKETS: 'KRW-A', CQT_BINANCE_SYMBOLS: 'AUSDT,HUSDT' };
const TOKEN = 'events-test-token-0123456789';
const INTERVAL_MS = 250;
const before = (sec: number) => AS_OF - sec * SEC;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Source = { source: string; key: string; class: string };
const classOf = (status: { sources: Source[] }, source: string, key: string) => status.sources.find((s) => s.source === source && s.key === key)?.class;

describeBackends('cqt serve /api/events', ({ db }) => {
  let server: RunningServer;

  beforeAll(async () => {
    await seedHealthy(db(), { market: 'KRW-A', symbol: 'AUSDT' });
    // HUSDT's mark price stopped an hour before as-of: hard stale.
    await insert(db(), 'binance_mark_price_1s', rows.markPrice('HUSDT', series({ lastTsMs: before(3600), count: 60 })));
    // The clock stands at as-of: only the rows a test writes change what the poller sees.
    server = await startServer({ db: db(), env: ENV, port: 0, nowMs: () => AS_OF, events: { intervalMs: INTERVAL_MS, heartbeatMs: 300 } });
  });
  afterAll(async () => server?.close());

  it('ready, then the status; new rows arrive as rows events with their values; heartbeats are comments', async () => {
    const stream = await openEvents(`${server.url}/api/events`);
    try {
      expect(stream.status).toBe(200);
      const ready = await stream.next((m) => m.event === 'ready');
      expect(ready.data).toEqual({ intervalMs: INTERVAL_MS, heartbeatMs: 300, asOf: new Date(AS_OF).toISOString() });
      const status = await stream.next((m) => m.event === 'status');
      expect(classOf(status.data, 'market_1s', 'KRW-A')).toBe('fresh');
      expect(classOf(status.data, 'binance_mark_price_1s', 'HUSDT')).toBe('hard_stale');

      // The seed's newest bar is at as-of − 2 s; one more second arrives (received before as-of).
      const bar: RowOf<'market_1s'> = { ...rows.market1s('KRW-A', [before(1)], 500)[0], mid: 1.41e8, spreadBps: 0.5 };
      await insert(db(), 'market_1s', [bar]);
      await insert(db(), 'binance_futures_metrics', rows.metric('AUSDT', 'open_interest', [before(10)], 2.5));
      const market = await stream.next((m) => m.event === 'rows' && m.data.source === 'market_1s');
      expect(market.data).toMatchObject({ source: 'market_1s', key: 'KRW-A', symbol: 'KRW-A', metric: null, truncated: false, asOf: new Date(AS_OF).toISOString() });
      expect(market.data.rows.ts).toEqual([before(1)]);
      expect(market.data.rows.mid).toEqual([1.41e8]);
      expect(market.data.rows.spread_bps).toEqual([0.5]);
      const oi = await stream.next((m) => m.event === 'rows' && m.data.source === 'binance_futures_metrics');
      expect(oi.data).toMatchObject({ key: 'AUSDT/open_interest', symbol: 'AUSDT', metric: 'open_interest', rows: { ts: [before(10)], value: [2.5] } });
      // Nothing new: no second rows event for the same bar.
      await sleep(4 * INTERVAL_MS);
      expect(stream.messages.filter((m) => m.event === 'rows' && m.data.source === 'market_1s')).toHaveLength(1);
      expect(stream.comments.some((c) => c.startsWith('heartbeat '))).toBe(true);
    } finally {
      stream.close();
    }
  });

  it('a class change is a new status event: the hard-stale source caught up is fresh', async () => {
    const stream = await openEvents(`${server.url}/api/events`);
    try {
      const first = await stream.next((m) => m.event === 'status');
      expect(classOf(first.data, 'binance_mark_price_1s', 'HUSDT')).toBe('hard_stale');
      await insert(db(), 'binance_mark_price_1s', rows.markPrice('HUSDT', series({ lastTsMs: before(1), count: 30 })));
      const next = await stream.next((m) => m.event === 'status');
      expect(classOf(next.data, 'binance_mark_price_1s', 'HUSDT')).toBe('fresh');
      const caughtUp = await stream.next((m) => m.event === 'rows' && m.data.key === 'HUSDT');
      expect(caughtUp.data.rows.ts).toEqual(series({ lastTsMs: before(1), count: 30 }));
    } finally {
      stream.close();
    }
  });

  it('when the last client leaves the store is not read any more; a new client starts it again', async () => {
    const recorded = recordQueries(db());
    const probe = await startServer({ db: recorded.db, env: ENV, port: 0, nowMs: () => AS_OF, events: { intervalMs: INTERVAL_MS } });
    try {
      const stream = await openEvents(`${probe.url}/api/events`);
      await stream.next((m) => m.event === 'status');
      await sleep(3 * INTERVAL_MS);
      const whileListening = recorded.queries.length;
      expect(whileListening).toBeGreaterThan(0);
      stream.close();
      // A tick already in flight may finish its reads; then the count must stay put.
      let afterLeaving = -1;
      for (let i = 0; i < 20 && afterLeaving !== recorded.queries.length; i++) {
        afterLeaving = recorded.queries.length;
        await sleep(2 * INTERVAL_MS);
      }
      await sleep(6 * INTERVAL_MS);
      expect(recorded.queries.length).toBe(afterLeaving);

      const again = await openEvents(`${probe.url}/api/events`);
      await again.next((m) => m.event === 'ready');
      expect(recorded.queries.length).toBeGreaterThan(afterLeaving);
      // Closing the server ends the open stream.
      await probe.close();
      await again.ended;
    } finally {
      await probe.close();
    }
  });

  it('unknown parameters are refused; with a token the stream needs it, the page does not', async () => {
    const bad = await fetch(`${server.url}/api/events?symbol=KRW-A`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'unknown parameter symbol' });

    const guarded = await startServer({ db: db(), env: { ...ENV, CQT_SERVE_TOKEN: TOKEN }, port: 0, nowMs: () => AS_OF, events: { intervalMs: INTERVAL_MS } });
    try {
      expect((await fetch(`${guarded.url}/api/events`)).status).toBe(401);
      expect((await fetch(`${guarded.url}/api/dashboard`)).status).toBe(401);
      const page = await fetch(`${guarded.url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<script src="assets/dashboard.js"></script>');
      expect((await fetch(`${guarded.url}/assets/dashboard.js`)).status).toBe(200);
      const stream = await openEvents(`${guarded.url}/api/events`, { authorization: `Bearer ${TOKEN}` });
      expect(stream.status).toBe(200);
      await stream.next((m) => m.event === 'status');
      stream.close();
    } finally {
      await guarded.close();
    }
  });
});
