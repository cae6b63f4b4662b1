// `check all` (runGates, also behind cqt serve's /api/checks) includes the candles gate once a
// candle series is stored, and leaves it out of a store that never backfilled. Only the wiring is
// tested here, on PostgreSQL (the gate itself runs on both backends in apps/check-candles).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { candleOpen, commitPage } from '@cqt/candles';
import { openDb, type Db } from '@cqt/db';
import { createTestDatabase, type TestDatabase } from '@cqt/test-support/pg';
import { AS_OF } from '@cqt/test-support/seed';
import { runGates } from '../commands/check.js';

describe('check all with candles', () => {
  let pg: TestDatabase;
  let store: Db;
  beforeAll(async () => {
    pg = await createTestDatabase();
    store = await openDb({ databaseUrl: pg.url });
  });
  afterAll(async () => {
    await store?.close();
    await pg?.drop();
  });
  const db = () => store;

  it('adds the candles report only when a series exists', async () => {
    const gates = () => runGates({ db: db(), asOf: AS_OF, window: 600 });
    expect((await gates()).map((r) => r.check)).not.toContain('candles');
    const toMs = candleOpen('1m', AS_OF) - 60_000;
    await commitPage(db().sql, { venue: 'upbit', symbol: 'KRW-BTC', timeframe: '1m' }, {
      candles: [{ openMs: toMs - 60_000, open: 1, high: 1, low: 1, close: 1, volume: 1, quoteVolume: 1, tradeCount: null }],
      queried: { fromMs: toMs - 3_600_000, toMs }, holes: [], recvMs: AS_OF - 1000,
    });
    const candles = (await gates()).find((r) => r.check === 'candles');
    expect(candles?.items.map((i) => [i.name, i.status])).toEqual([
      ['candles.lag[upbit KRW-BTC 1m]', 'pass'],
      ['candles.unknown[upbit KRW-BTC 1m]', 'pass'],
      ['candles.corrupt[upbit KRW-BTC 1m]', 'pass'],
    ]);
  });
});
