import { describe, expect, it } from 'vitest';
import { SyntheticFeed } from '../feed/synthetic.js';
import { ALL_INTEREST } from '../feed/types.js';
import { stringifyLossless } from '../json/lossless.js';
import { SyntheticMarket, type SyntheticMarketOptions } from '../market/synthetic.js';

const ORIGIN_MS = Date.UTC(2026, 0, 15, 9, 59, 30);
const options = (seed: number, extra: Partial<SyntheticMarketOptions> = {}): SyntheticMarketOptions => ({
  seed, originMs: ORIGIN_MS, binanceSymbols: ['BTCUSDT', 'ETHUSDT'], upbitMarkets: ['KRW-BTC'], usdKrw: 1380, tickMs: 50, ...extra,
});

function feedTranscript(seed: number, durationMs: number): string[] {
  const feed = new SyntheticFeed(new SyntheticMarket(options(seed)));
  const batch = feed.advance(ORIGIN_MS + durationMs, ALL_INTEREST);
  return [...batch.upbit.map((m) => stringifyLossless(m.body)), ...batch.binance.map((f) => `${f.stream} ${stringifyLossless(f.data)}`)];
}

describe('seeded synthetic market', () => {
  it('is deterministic: the same seed and origin give byte-identical frames', () => {
    const a = feedTranscript(7, 20_000);
    const b = feedTranscript(7, 20_000);
    expect(a.length).toBeGreaterThan(1000);
    expect(b).toEqual(a);
    expect(feedTranscript(8, 20_000)).not.toEqual(a);
  });

  it('does not depend on how the clock is sliced', () => {
    const whole = new SyntheticFeed(new SyntheticMarket(options(3)));
    const sliced = new SyntheticFeed(new SyntheticMarket(options(3)));
    const wholeFrames = whole.advance(ORIGIN_MS + 5000, ALL_INTEREST).binance.map((f) => stringifyLossless(f.data));
    const slicedFrames: string[] = [];
    for (let t = ORIGIN_MS + 37; t <= ORIGIN_MS + 5000; t += 37) slicedFrames.push(...sliced.advance(t, ALL_INTEREST).binance.map((f) => stringifyLossless(f.data)));
    slicedFrames.push(...sliced.advance(ORIGIN_MS + 5000, ALL_INTEREST).binance.map((f) => stringifyLossless(f.data)));
    expect(slicedFrames).toEqual(wholeFrames);
  });

  it('switches volatility regimes, and the volatile regime moves more', () => {
    const market = new SyntheticMarket(options(5, { binanceSymbols: ['BTCUSDT'], upbitMarkets: [], tickMs: 1000 }));
    const moves: Record<string, number[]> = { calm: [], normal: [], volatile: [] };
    let previous = market.mark('BTCUSDT').indexPrice;
    const regimes = new Set<string>();
    for (let i = 0; i < 6 * 3600; i++) {
      market.step();
      const regime = market.regime('BTC')!;
      regimes.add(regime);
      const price = market.mark('BTCUSDT').indexPrice;
      moves[regime].push(Math.abs(Math.log(price / previous)));
      previous = price;
    }
    expect(regimes.size).toBe(3);
    const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean(moves.volatile)).toBeGreaterThan(2 * mean(moves.calm));
  });

  it('joins history and the live path at the origin, and serves bars across it', () => {
    const market = new SyntheticMarket(options(9));
    market.advanceTo(ORIGIN_MS + 120_000);
    const before = market.priceAt('binance', 'BTCUSDT', ORIGIN_MS - 1);
    const start = market.bar('binance', 'BTCUSDT', ORIGIN_MS, ORIGIN_MS + 60_000)!;
    expect(Math.abs(start.open / before - 1)).toBeLessThan(0.002);
    const straddling = market.bar('binance', 'BTCUSDT', Date.UTC(2026, 0, 15, 9, 59), Date.UTC(2026, 0, 15, 10, 0))!;
    expect(straddling.trades).toBeGreaterThan(0);
    expect(straddling.high).toBeGreaterThanOrEqual(Math.max(straddling.open, straddling.close));
    // History is random-access: asking twice, in any order, gives the same bar.
    const a = market.bar('upbit', 'KRW-BTC', ORIGIN_MS - 86_400_000, ORIGIN_MS - 86_340_000);
    market.bar('upbit', 'KRW-BTC', ORIGIN_MS - 3_600_000, ORIGIN_MS - 3_540_000);
    expect(market.bar('upbit', 'KRW-BTC', ORIGIN_MS - 86_400_000, ORIGIN_MS - 86_340_000)).toEqual(a);
  });

  it('produces liquidations, more of them in a cascade', () => {
    const market = new SyntheticMarket(options(4, { upbitMarkets: [] }));
    market.liquidationBurst('BTCUSDT', 25, { withinMs: 2000, side: 'SELL' });
    const liquidations = market.advanceTo(ORIGIN_MS + 3000).flatMap((t) => t.instruments.flatMap((i) => i.liquidations));
    expect(liquidations.filter((l) => l.side === 'SELL').length).toBeGreaterThanOrEqual(25);
  });
});
