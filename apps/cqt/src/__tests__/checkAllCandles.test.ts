// `check all` (runGates, also behind cqt serve's /api/checks) includes the candles gate once a
// candle series is stored, and leaves it out of a store that never backfilled.
import { expect, it } from 'vitest';
import { candleOpen, commitPage } from '@cqt/candles';
import { describeBackends } from '@cqt/test-support/backends';
import { AS_OF } from '@cqt/test-support/seed';
import { runGates } from '../commands/check.js';

describeBackends('check all with candles', ({ db }) => {
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
