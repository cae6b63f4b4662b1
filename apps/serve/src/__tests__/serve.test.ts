// `cqt serve` in-process on both backends, asked over real HTTP on loopback: /api/status is the
// status evaluator's answer, the latest prediction follows the soft-stale rule in all four
// classes, /api/series buckets keep each bucket's min and max, bad parameters are 400 with one
// line, and a token guards every request when set (required beyond loopback).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateStatus } from '@cqt/checks';
import { loadConfig, type UsageError } from '@cqt/config';
import type { RowOf } from '@cqt/db';
import { describeBackends } from '@cqt/test-support/backends';
import { AS_OF, SEC, insert, recordQueries, rows, seedHealthy, series, setRaw, unindexedReads } from '@cqt/test-support/seed';
import { isLoopback, startServer, type RunningServer } from '../index.js';

const ENV = { CQT_UPBIT_MARKETS: 'KRW-A', CQT_BINANCE_SYMBOLS: 'AUSDT' };
const TOKEN = 'serve-test-token-0123456789';
const AS_OF_ISO = new Date(AS_OF).toISOString();
const before = (sec: number) => AS_OF - sec * SEC;
const iso = (ms: number) => new Date(ms).toISOString();

/** Predictions on the 5 s grid, written 200 ms after their ts, with probabilities that sum to 1. */
function predictions(symbol: string, ts: number[], horizonSec = 120): RowOf<'predictions'>[] {
  return ts.map((t, i) => ({ symbol, ts: new Date(t), horizonSec, sigma: 0.002, rT: 0.003, pUp: 0.3 + i / 1000, pDown: 0.3, pNone: 0.4 - i / 1000, evRate: 0.0001, model: 'barrier', modelVersion: '1', createdAt: new Date(t + 200) }));
}

async function get(server: RunningServer, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${path}`, { headers });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describeBackends('cqt serve API', ({ db, backend }) => {
  let server: RunningServer;

  beforeAll(async () => {
    await seedHealthy(db(), { market: 'KRW-A', symbol: 'AUSDT' });
    const grid = (lastSec: number) => series({ lastTsMs: before(lastSec), count: 12, stepSec: 5 });
    await insert(db(), 'predictions', [
      ...predictions('KRW-A', grid(5)),
      ...predictions('KRW-A', grid(300), 60),
      ...predictions('KRW-S', grid(30)),
      ...predictions('KRW-H', grid(300)),
      ...predictions('KRW-C', grid(5)),
    ]);
    await setRaw(db(), 'predictions', 'p_up', `'NaN'::float8`, 'KRW-C', [before(5)]);
    // 600 one-second bars in [as-of − 600 s, as-of − 1 s]: a spike and a dip at −300 s / −299 s, a NaN at −450 s.
    await insert(db(), 'market_1s', rows.market1s('KRW-B', series({ lastTsMs: before(1), count: 600 })));
    await setRaw(db(), 'market_1s', 'mid', '2e8', 'KRW-B', [before(300)]);
    await setRaw(db(), 'market_1s', 'mid', '1e8', 'KRW-B', [before(299)]);
    await setRaw(db(), 'market_1s', 'mid', `'NaN'::float8`, 'KRW-B', [before(450)]);
    server = await startServer({ db: db(), env: ENV, port: 0 });
  });
  afterAll(async () => server?.close());

  it('/api/status is the status evaluator at the same as-of, scoped like --symbol and --source', async () => {
    const { values: config } = loadConfig({ env: ENV });
    const all = await get(server, `/api/status?asOf=${AS_OF_ISO}`);
    expect(all.status).toBe(200);
    expect(all.body).toEqual(await evaluateStatus(db().sql, { asOf: AS_OF }, config));
    expect(all.body).toMatchObject({ overall: 'ok', counts: { fresh: 11, hard_stale: 0 } });
    const some = await get(server, `/api/status?asOf=${AS_OF}&source=market_1s&source=predictions&symbol=KRW-A`);
    expect(some.body.sources.map((s: { source: string; key: string; class: string }) => `${s.source} ${s.key} ${s.class}`)).toEqual(['market_1s KRW-A fresh', 'predictions KRW-A fresh']);
  });

  describe('/api/predictions/latest under the soft-stale rule', () => {
    it('fresh: 200 with the newest prediction and no warning', async () => {
      const { status, body } = await get(server, `/api/predictions/latest?symbol=krw-a&horizon=120&asOf=${AS_OF_ISO}`);
      expect(status).toBe(200);
      expect(body).toEqual({
        symbol: 'KRW-A',
        horizonSec: 120,
        asOf: AS_OF_ISO,
        class: 'fresh',
        lagSec: 5,
        model: { role: 'baseline', modelVersion: null, kind: 'baseline' },
        degraded: false,
        prediction: {
          symbol: 'KRW-A',
          ts: iso(before(5)),
          horizonSec: 120,
          sigma: 0.002,
          rT: 0.003,
          kVolEff: null,
          rMinEff: null,
          costRoundtripEst: null,
          pUp: 0.311,
          pDown: 0.3,
          pNone: 0.389,
          evRate: 0.0001,
          model: 'barrier',
          modelVersion: '1',
          createdAt: iso(before(5) + 200),
        },
      });
    });

    it('stale: 200 with the newest prediction and a warning naming the lag', async () => {
      const { status, body } = await get(server, `/api/predictions/latest?symbol=KRW-S&asOf=${AS_OF_ISO}`);
      expect(status).toBe(200);
      expect(body).toMatchObject({ class: 'stale', lagSec: 30, warning: 'stale: lag 30 s > stale after 15 s', prediction: { ts: iso(before(30)) } });
    });

    it('hard_stale: 503 with the last good prediction, its age and the reason', async () => {
      const { status, body } = await get(server, `/api/predictions/latest?symbol=KRW-H&horizon=2m&asOf=${AS_OF_ISO}`);
      expect(status).toBe(503);
      expect(body).toMatchObject({ class: 'hard_stale', degraded: true, reason: 'hard_stale: lag 300 s > hard stale after 120 s', lastGoodAgeSec: 300, lastGood: { ts: iso(before(300)), pUp: 0.311 } });
      expect(body).not.toHaveProperty('prediction');
    });

    it('corrupt: 503 with the newest prediction whose probabilities are finite', async () => {
      const { status, body } = await get(server, `/api/predictions/latest?symbol=KRW-C&asOf=${AS_OF_ISO}`);
      expect(status).toBe(503);
      expect(body).toMatchObject({ class: 'corrupt', degraded: true, lastGoodAgeSec: 10, lastGood: { ts: iso(before(10)), pUp: 0.31 } });
      expect(body.reason).toBe(`corrupt: non-finite value ×1; first: NaN at ${iso(before(5))}`);
    });

    it('each horizon is judged on its own rows; none at all is 503 without a last good one', async () => {
      const other = await get(server, `/api/predictions/latest?symbol=KRW-A&horizon=60&asOf=${AS_OF_ISO}`);
      expect(other).toMatchObject({ status: 503, body: { horizonSec: 60, class: 'hard_stale', lastGood: { ts: iso(before(300)), horizonSec: 60 } } });
      const none = await get(server, `/api/predictions/latest?symbol=KRW-Q&asOf=${AS_OF_ISO}`);
      expect(none).toMatchObject({ status: 503, body: { class: 'hard_stale', reason: 'hard_stale: no rows', lastGood: null, lastGoodAgeSec: null, lagSec: null } });
    });

    it('a prediction written after as-of is not seen (the answer can be replayed)', async () => {
      const { body } = await get(server, `/api/predictions/latest?symbol=KRW-A&asOf=${iso(before(5) + 100)}`);
      expect(body.prediction.ts).toBe(iso(before(10)));
    });
  });

  describe('/api/series', () => {
    it('min and max per bucket: a spike and a dip survive, NaN is left out, counts add up', async () => {
      const { status, body } = await get(server, `/api/series?source=market_1s&column=mid&symbol=KRW-B&from=${before(600)}&to=${AS_OF}&points=10`);
      expect(status).toBe(200);
      expect(body).toMatchObject({ source: 'market_1s', column: 'mid', symbol: 'KRW-B', from: iso(before(600)), to: AS_OF_ISO, points: 10, bucketSec: 60, rows: 599 });
      const starts = Array.from({ length: 10 }, (_, k) => before(600 - 60 * k));
      expect(body.buckets.ts).toEqual(starts);
      expect(body.buckets.count).toEqual(starts.map((_, k) => (k === 2 ? 59 : 60)));
      expect(body.buckets.max).toEqual(starts.map((_, k) => (k === 5 ? 2e8 : 1.4e8)));
      expect(body.buckets.min).toEqual(starts.map((_, k) => (k === 5 ? 1e8 : 1.4e8)));
    });

    it('a futures metric is a column of binance_futures_metrics; predictions take a horizon', async () => {
      const oi = await get(server, `/api/series?source=binance_futures_metrics&column=open_interest&symbol=AUSDT&from=${before(600)}&to=${AS_OF}&points=100`);
      expect(oi.body).toMatchObject({ rows: 5, bucketSec: 6, buckets: { min: [1.5, 1.5, 1.5, 1.5, 1.5], count: [1, 1, 1, 1, 1] } });
      const p = await get(server, `/api/series?source=predictions&column=p_up&symbol=KRW-A&horizon=60&from=${before(3600)}&to=${AS_OF}&points=1`);
      expect(p.body).toMatchObject({ horizonSec: 60, rows: 12, buckets: { count: [12], min: [0.3], max: [0.311] } });
    });
  });

  it.each([
    ['/api/series?column=mid&symbol=KRW-B', 'missing parameter source'],
    ['/api/series?source=orders&column=id&symbol=KRW-B', 'unknown source "orders"'],
    ['/api/series?source=market_1s&column=mid;drop%20table%20market_1s&symbol=KRW-B', 'unknown column "mid;drop table market_1s" of market_1s'],
    ['/api/series?source=market_1s&column=recv_ts&symbol=KRW-B', 'unknown column "recv_ts" of market_1s'],
    [`/api/series?source=market_1s&column=mid&symbol=KRW-B&from=${AS_OF}&to=${before(1)}`, `from ${AS_OF_ISO} is not before to ${iso(before(1))}`],
    [`/api/series?source=market_1s&column=mid&symbol=KRW-B&from=${before(40 * 86_400)}&to=${AS_OF}`, 'range of 40 days is longer than 31 days'],
    ['/api/series?source=market_1s&column=mid&symbol=KRW-B&points=0', 'invalid points "0"'],
    ['/api/series?source=market_1s&column=mid&symbol=KRW-B&horizon=60', 'parameter horizon does not apply to market_1s'],
    ['/api/series?source=predictions&column=p_up&symbol=KRW-A&horizon=1.5', 'invalid horizon "1.5"'],
    ['/api/predictions/latest?horizon=120', 'missing parameter symbol'],
    ['/api/predictions/latest?symbol=KRW%20A', 'invalid symbol "KRW A"'],
    ['/api/predictions/latest?symbol=KRW-A&symbol=KRW-B', 'parameter symbol given 2 times'],
    ['/api/predictions/latest?symbol=KRW-A&horizon=soon', 'invalid horizon "soon"'],
    ['/api/predictions/latest?symbol=KRW-A&asOf=yesterday', 'invalid asOf "yesterday"'],
    ['/api/status?sorce=market_1s', 'unknown parameter sorce'],
    ['/api/status?source=orders', 'unknown source orders'],
  ])('400 with one line and a hint: %s', async (path, error) => {
    const { status, body } = await get(server, path);
    expect(status).toBe(400);
    expect(body.error).toBe(error);
    expect(body.hint).toMatch(/\S/);
  });

  it.runIf(backend === 'postgres')('predictions and series read only primary-key ranges: no query needs a sequential scan', async () => {
    const recorded = recordQueries(db());
    const probe = await startServer({ db: recorded.db, env: ENV, port: 0 });
    try {
      for (const symbol of ['KRW-A', 'KRW-S', 'KRW-H', 'KRW-C']) await get(probe, `/api/predictions/latest?symbol=${symbol}&asOf=${AS_OF}`);
      await get(probe, `/api/series?source=market_1s&column=mid&symbol=KRW-B&to=${AS_OF}`);
      await get(probe, `/api/series?source=binance_futures_metrics&column=basis&symbol=AUSDT&to=${AS_OF}`);
      await get(probe, `/api/series?source=predictions&column=ev_rate&symbol=KRW-A&to=${AS_OF}`);
    } finally {
      await probe.close();
    }
    expect(recorded.queries.length).toBeGreaterThan(10);
    expect(await unindexedReads(db(), recorded.queries)).toEqual([]);
  });

  it('an unknown path is 404 naming it', async () => {
    expect(await get(server, '/api/orders?x=1')).toEqual({ status: 404, body: { error: 'no route GET /api/orders', hint: 'see docs/serve.md for the endpoints' } });
  });
});

describeBackends('cqt serve token rule', ({ db }) => {
  it('beyond loopback without CQT_SERVE_TOKEN: refused before listening, naming the variable', async () => {
    const refused = await startServer({ db: db(), env: ENV, host: '0.0.0.0', port: 0 }).catch((e: UsageError) => e);
    expect(refused).toMatchObject({ message: '--host 0.0.0.0 is not loopback: serving beyond this machine requires CQT_SERVE_TOKEN', exitCode: 2 });
  });

  it('a port in use: refused with one line naming it', async () => {
    const first = await startServer({ db: db(), env: ENV, port: 0 });
    try {
      const second = await startServer({ db: db(), env: ENV, port: first.port }).catch((e: UsageError) => e);
      expect(second).toMatchObject({ message: `port ${first.port} on 127.0.0.1 is already in use`, exitCode: 2 });
      expect((await get(first, `/api/status?asOf=${AS_OF}&source=feed_events`)).status).toBe(200);
    } finally {
      await first.close();
    }
  });

  it('with a token (here on 0.0.0.0, asked over loopback): 401 without it or with a wrong one, 200 with it', async () => {
    const server = await startServer({ db: db(), env: { ...ENV, CQT_SERVE_TOKEN: TOKEN }, host: '0.0.0.0', port: 0 });
    try {
      const local = { ...server, url: `http://127.0.0.1:${server.port}` };
      const path = `/api/status?asOf=${AS_OF}&source=feed_events`;
      const none = await get(local, path);
      expect(none).toEqual({ status: 401, body: { error: 'missing bearer token', hint: 'send Authorization: Bearer $CQT_SERVE_TOKEN' } });
      expect((await get(local, path, { authorization: `Bearer ${TOKEN}x` })).body.error).toBe('wrong bearer token');
      const ok = await get(local, path, { authorization: `Bearer ${TOKEN}` });
      expect(ok).toMatchObject({ status: 200, body: { asOf: AS_OF_ISO, sources: [{ source: 'feed_events' }] } });
    } finally {
      await server.close();
    }
  });
});

it.each([
  ['127.0.0.1', true],
  ['127.3.2.1', true],
  ['::1', true],
  ['localhost', true],
  ['0.0.0.0', false],
  ['::', false],
  ['192.168.1.20', false],
  ['127.example.com', false],
])('isLoopback(%s) = %s', (host, loopback) => {
  expect(isLoopback(host)).toBe(loopback);
});
