// The baseline: one signal on the first candle, so the engine buys at the second candle's open
// and holds to the end of the data, paying the same costs as any strategy.
import type { Strategy } from '../strategy.js';

export type BuyAndHoldParams = Record<string, never>;

export const buyAndHold: Strategy<BuyAndHoldParams> = {
  name: 'buy-and-hold',
  describe: 'buy at the open after the first candle, hold to the end (the baseline)',
  params: {},
  signals(c) {
    const entry = new Uint8Array(c.length);
    if (c.length > 0) entry[0] = 1;
    return { entry };
  },
};
