// The seeded synthetic market as a feed source for both WebSocket servers.
import type { JsonObject } from '../json/lossless.js';
import type { SyntheticMarket } from '../market/synthetic.js';
import { BinanceSyntheticStreams } from '../binance/synthetic.js';
import { UpbitSyntheticStreams } from '../upbit/synthetic.js';
import type { FeedBatch, FeedInterest, FeedSource } from './types.js';

export class SyntheticFeed implements FeedSource {
  readonly kind = 'synthetic' as const;
  private readonly upbit: UpbitSyntheticStreams;
  private readonly binance: BinanceSyntheticStreams;

  constructor(readonly market: SyntheticMarket) {
    this.upbit = new UpbitSyntheticStreams(market);
    this.binance = new BinanceSyntheticStreams(market);
  }

  advance(nowMs: number, interest: FeedInterest): FeedBatch {
    const batch: FeedBatch = { upbit: [], binance: [] };
    // Compose right after each step: builders read the market's current book and bars.
    while (this.market.nowMs + this.market.tickMs <= nowMs) {
      const tick = this.market.step();
      batch.upbit.push(...this.upbit.onTick(tick, interest));
      batch.binance.push(...this.binance.onTick(tick, interest));
    }
    return batch;
  }

  upbitSnapshot(type: string, code: string, nowMs: number): JsonObject | undefined {
    return this.upbit.snapshot(type, code, nowMs);
  }
}
