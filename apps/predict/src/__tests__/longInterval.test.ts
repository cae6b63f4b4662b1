// The live loop waits for each boundary even when it is further away than a timer can hold
// (2^31−1 ms ≈ 24.8 days): a 30-day --interval computes nothing before its boundary.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDb, type Db } from '@cqt/db';
import { createTestDatabase, type TestDatabase } from '@cqt/test-support/pg';
import { run, type RunResult } from '../index.js';

let pg: TestDatabase;
let db: Db;
beforeAll(async () => {
  pg = await createTestDatabase();
  db = await openDb({ databaseUrl: pg.url });
});
afterAll(async () => {
  await db?.close();
  await pg?.drop();
});

it('--interval 30d waits for its boundary instead of computing a snapshot of the future at once', async () => {
  const stop = new AbortController();
  const logs: string[] = [];
  const running = run({ db, env: { CQT_UPBIT_MARKETS: 'KRW-BTC', CQT_BINANCE_SYMBOLS: 'BTCUSDT' }, intervalSec: 30 * 86_400, signal: stop.signal, log: (l) => logs.push(l) });
  await new Promise((r) => setTimeout(r, 3000));
  stop.abort();
  const result = (await running) as RunResult;
  expect(result.written + result.failed, logs.join('\n')).toBe(0);
  expect((await db.sql`select count(*)::int as n from feature_snapshots`)[0].n).toBe(0);
});
