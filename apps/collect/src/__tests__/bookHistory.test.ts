// A busy order book through the whole collector: the fake exchange replays a real Upbit recording
// 200× faster (its busiest market, served as KRW-BTC: several hundred book updates a second), and
// every market_1s row must carry the last book before its second's end, as a plain client saw it.
import { join } from 'node:path';
import { expect, it } from 'vitest';
import postgres from 'postgres';
import { createTestDatabase } from '@cqt/test-support/pg';
import { describeReal } from '@cqt/test-support/realFixtures';
import { collectorEnv, fakeExchange, Observer, sleep, startCollect, waitUntil } from './support.js';

const SPEED = 200;

describeReal('collect with a busy order book', (dir) => {
  it(`writes the book at each second's end at ${SPEED}× a real recording's update rate`, async () => {
    const fx = await fakeExchange({
      source: { kind: 'replay', paths: [join(dir, 'cryptofeed/commit-1312c062/UPBIT-d78752.0')], speed: SPEED, symbolMap: { upbit: { 'KRW-BTC': 'KRW-DAWN' } } },
      markets: { upbit: ['KRW-BTC'], binance: ['BTCUSDT'] },
    });
    const pg = await createTestDatabase();
    const sql = postgres(pg.url, { max: 2, onnotice: () => {} });
    const observer = await Observer.upbit(fx, 'KRW-BTC');
    try {
      const collect = startCollect({ env: collectorEnv(fx), databaseUrl: pg.url });
      try {
        await waitUntil(async () => {
          const [r] = await sql`select count(*)::int as n from market_1s`.catch(() => [{ n: 0 }]);
          return r.n >= 6;
        }, 'six market_1s rows');
      } finally {
        await collect.stop();
      }
      await sleep(200);
      observer.close();

      const books = observer.frames
        .map((f) => JSON.parse(f.text))
        .filter((m) => m.type === 'orderbook')
        .map((m) => ({ ts: m.timestamp as number, bid: m.orderbook_units[0].bid_price as number, ask: m.orderbook_units[0].ask_price as number }));
      const rows = await sql`select ts, best_bid, best_ask, book_ts from market_1s where symbol = 'KRW-BTC' order by ts`;
      expect(rows.length).toBeGreaterThanOrEqual(6);
      for (const r of rows) {
        const endMs = r.ts.getTime() + 1000;
        const inSecond = books.filter((b) => b.ts >= endMs - 1000 && b.ts < endMs);
        // The rate this test is about, second by second.
        expect(inSecond.length, `book updates in the second at ${r.ts.toISOString()}`).toBeGreaterThanOrEqual(200);
        const last = books.filter((b) => b.ts < endMs).reduce((a, b) => (b.ts >= a.ts ? b : a));
        expect({ sec: r.ts.toISOString(), bid: r.best_bid, ask: r.best_ask, bookTs: r.book_ts?.getTime() ?? null }).toEqual({
          sec: r.ts.toISOString(),
          bid: last.bid,
          ask: last.ask,
          bookTs: last.ts,
        });
      }
    } finally {
      observer.close();
      await sql.end();
      await fx.close();
      await pg.drop();
    }
  });
});
