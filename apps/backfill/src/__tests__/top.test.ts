// --top N in-process against the fake exchange on both backends: the venue's ticker answers
// (Upbit /v1/ticker/all?quote_currencies=KRW, Binance /fapi/v1/ticker/24hr at weight 40) ranked
// by 24 h traded value, printed, stored in candle_universe (replaced whole), then backfilled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeExchange, type FakeExchange } from '@cqt/testkit';
import { describeBackends } from '@cqt/test-support/backends';
import { nextRerankMs, rankByVolume, readCursor, readUniverse, universeChange } from '@cqt/candles';
import { output, run } from '../index.js';

let ex: FakeExchange;
beforeAll(async () => {
  ex = await startFakeExchange({ seed: 31, markets: { upbit: ['KRW-DAWN', 'KRW-BTC', 'KRW-XRP', 'KRW-ETH', 'USDT-BTC'], binance: ['XRPUSDT', 'BTCUSDT', 'ETHUSDT', 'SOLUSDT'] } });
});
afterAll(() => ex?.close());

describe('the fake exchange\'s ticker endpoints', () => {
  it('Upbit: every market of the quotes asked, 24 h traded value, the ticker group\'s Remaining-Req; quote_currencies required', async () => {
    const res = await fetch(`${ex.urls.UPBIT_REST_URL}/v1/ticker/all?quote_currencies=KRW`);
    expect(res.headers.get('remaining-req')).toMatch(/^group=ticker; min=\d+; sec=\d+$/);
    const rows = (await res.json()) as Array<{ market: string; acc_trade_price_24h: number; acc_trade_price: number; trade_date: string }>;
    expect(rows.map((r) => r.market).sort()).toEqual(['KRW-BTC', 'KRW-DAWN', 'KRW-ETH', 'KRW-XRP']);
    for (const r of rows) {
      expect(r.acc_trade_price_24h).toBeGreaterThan(0);
      expect(r.trade_date).toMatch(/^\d{8}$/);
    }
    expect((await fetch(`${ex.urls.UPBIT_REST_URL}/v1/ticker/all`)).status).toBe(400);
  });

  it('Binance: all symbols cost 40 weight, one symbol 1; quoteVolume is the 24 h USDT value', async () => {
    const used = async (path: string) => {
      const res = await fetch(`${ex.urls.BINANCE_REST_URL}${path}`);
      return { used: Number(res.headers.get('x-mbx-used-weight-1m')), body: (await res.json()) as unknown };
    };
    const a = await used('/fapi/v1/ticker/24hr');
    const b = await used('/fapi/v1/ticker/24hr?symbol=BTCUSDT');
    expect(b.used - a.used).toBe(1);
    const c = await used('/fapi/v1/ticker/24hr');
    expect(c.used - b.used).toBe(40);
    const all = a.body as Array<{ symbol: string; quoteVolume: string; openTime: number; closeTime: number }>;
    expect(all.map((t) => t.symbol).sort()).toEqual(['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT']);
    expect(all[0].closeTime - all[0].openTime).toBe(24 * 3_600_000);
    expect((b.body as { symbol: string }).symbol).toBe('BTCUSDT');
  });
});

describe('rankByVolume', () => {
  it('largest first, ties by symbol, at most n, ranks from 1', () => {
    const markets = [{ symbol: 'B', quoteVolume24h: 5 }, { symbol: 'A', quoteVolume24h: 5 }, { symbol: 'C', quoteVolume24h: 9 }, { symbol: 'D', quoteVolume24h: Number.NaN }];
    expect(rankByVolume(markets, 3)).toEqual([
      { rank: 1, symbol: 'C', quoteVolume24h: 9 }, { rank: 2, symbol: 'A', quoteVolume24h: 5 }, { rank: 3, symbol: 'B', quoteVolume24h: 5 },
    ]);
  });
});

describe('re-rank schedule', () => {
  it('on the UTC grid of the interval, a few seconds after the boundary; entering and leaving series by key', () => {
    const at = Date.parse('2026-01-15T10:20:00Z');
    expect(new Date(nextRerankMs(at, 3_600_000)).toISOString()).toBe('2026-01-15T11:00:03.000Z');
    expect(new Date(nextRerankMs(Date.parse('2026-01-15T11:00:02Z'), 3_600_000)).toISOString()).toBe('2026-01-15T11:00:03.000Z');
    expect(new Date(nextRerankMs(Date.parse('2026-01-15T11:00:03Z'), 3_600_000)).toISOString()).toBe('2026-01-15T12:00:03.000Z');
    const s = (symbol: string) => ({ venue: 'upbit' as const, symbol, timeframe: '1h' });
    expect(universeChange([s('A'), s('B')], [s('C'), s('A')])).toEqual({ entering: [s('C')], leaving: [s('B')] });
  });
});

describeBackends('cqt backfill --top', ({ db }) => {
  const env = () => ({ BINANCE_REST_URL: ex.urls.BINANCE_REST_URL, UPBIT_REST_URL: ex.urls.UPBIT_REST_URL });

  it('Binance: the 2 perpetuals with the largest 24 h quote volume, stored, printed and backfilled; a later choice replaces it', async () => {
    const tickers = (await (await fetch(`${ex.urls.BINANCE_REST_URL}/fapi/v1/ticker/24hr`)).json()) as Array<{ symbol: string; quoteVolume: string }>;
    const byVolume = [...tickers].sort((a, b) => Number(b.quoteVolume) - Number(a.quoteVolume)).map((t) => t.symbol);
    // BTC trades by far the most in the synthetic market, as on the venue.
    expect(byVolume[0]).toBe('BTCUSDT');

    const result = await run({ venue: 'binance', top: 2, timeframes: ['1d'], since: 5 * 86_400, db: db(), env: env() });
    expect(result.universe!.map((m) => m.symbol)).toEqual(byVolume.slice(0, 2));
    expect(result.series.map((s) => s.symbol)).toEqual(byVolume.slice(0, 2));
    expect(result.series.every((s) => s.candles >= 4)).toBe(true);
    const stored = await readUniverse(db().sql, 'binance');
    expect(stored.markets).toEqual(result.universe);
    expect(stored.chosenAtMs).not.toBeNull();
    expect(await output(result).human({ colour: false })).toMatch(new RegExp(`^top 2 binance by 24 h traded value: 1\\. ${byVolume[0]} \\([\\d.]+ [kMGT]? ?USDT\\), 2\\. ${byVolume[1]}`));

    await run({ venue: 'binance', top: 1, timeframes: ['1d'], db: db(), env: env() });
    expect((await readUniverse(db().sql, 'binance')).markets.map((m) => m.symbol)).toEqual([byVolume[0]]);
    expect(ex.stats.rest.binance.rateLimitViolations).toBe(0);
  });

  it('Upbit: KRW markets only, by acc_trade_price_24h', async () => {
    const tickers = (await (await fetch(`${ex.urls.UPBIT_REST_URL}/v1/ticker/all?quote_currencies=KRW`)).json()) as Array<{ market: string; acc_trade_price_24h: number }>;
    const expected = [...tickers].sort((a, b) => b.acc_trade_price_24h - a.acc_trade_price_24h).slice(0, 3).map((t) => t.market);
    const result = await run({ venue: 'upbit', top: 3, timeframes: ['1d'], since: 3 * 86_400, db: db(), env: env() });
    expect(result.universe!.map((m) => m.symbol)).toEqual(expected);
    expect((await readUniverse(db().sql, 'upbit')).markets.map((m) => m.symbol)).toEqual(expected);
  });

  it('--top with --symbol, or neither, is refused', async () => {
    await expect(run({ venue: 'upbit', top: 3, symbols: ['KRW-BTC'], db: db(), env: env() })).rejects.toThrow('--symbol and --top both given');
    await expect(run({ venue: 'upbit', db: db(), env: env() })).rejects.toThrow('missing --symbol');
  });

  it('--follow --rerank: the universe is ranked anew on schedule, printed and stored; the entering market is backfilled, the leaving one no longer followed (its candles kept)', async () => {
    const tickers = (await (await fetch(`${ex.urls.UPBIT_REST_URL}/v1/ticker/all?quote_currencies=KRW`)).json()) as Array<{ market: string; acc_trade_price_24h: number }>;
    const ranked = [...tickers].sort((a, b) => b.acc_trade_price_24h - a.acc_trade_price_24h).map((t) => t.market);
    const [first, second, , last] = ranked;
    const lines: string[] = [];
    const controller = new AbortController();
    let rerankLine = -1;
    const log = (line: string) => {
      lines.push(line);
      // Before the first re-rank: the least traded market jumps to the top.
      if (lines.length === 2) ex.options.upbit.volume24hFactors[last] = 1e6;
      if (rerankLine < 0 && line.startsWith('rerank') && line.includes(`entering ${last} 1h`)) rerankLine = lines.length - 1;
      if (rerankLine >= 0 && line.startsWith(`follow upbit ${last} 1h: `)) controller.abort();
    };
    try {
      const result = await run({ venue: 'upbit', top: 2, timeframes: ['1h'], since: 3 * 3600, follow: true, rerank: 2, signal: controller.signal, log, db: db(), env: env() });
      expect(lines.slice(0, 2).map((l) => l.split(':')[0]).sort()).toEqual([`follow upbit ${first} 1h`, `follow upbit ${second} 1h`]);
      expect(lines[rerankLine]).toMatch(new RegExp(`^rerank top 2 upbit: 1\\. ${last}, 2\\. ${first}; entering ${last} 1h; leaving ${second} 1h; next at `));
      // After the re-rank the leaving market is not asked again.
      expect(lines.slice(rerankLine).some((l) => l.startsWith(`follow upbit ${second} `))).toBe(false);
      expect(result.universe!.map((m) => m.symbol)).toEqual([last, first]);
      expect(result.follow).toMatchObject({ reranks: 1, failedReranks: 0, failedPasses: 0 });
      expect((await readUniverse(db().sql, 'upbit')).markets.map((m) => m.symbol)).toEqual([last, first]);
      // The entering market was backfilled from --since; the leaving one's candles are kept.
      const entered = await db().sql<{ n: number }[]>`select count(*)::int as n from candles where venue = 'upbit' and symbol = ${last} and timeframe = '1h'`;
      expect(entered[0].n).toBeGreaterThanOrEqual(2);
      expect(await readCursor(db().sql, { venue: 'upbit', symbol: last, timeframe: '1h' })).not.toBeNull();
      const kept = await db().sql<{ n: number }[]>`select count(*)::int as n from candles where venue = 'upbit' and symbol = ${second} and timeframe = '1h'`;
      expect(kept[0].n).toBeGreaterThanOrEqual(2);
      expect(ex.stats.rest.upbit.rateLimitViolations).toBe(0);
    } finally {
      delete ex.options.upbit.volume24hFactors[last];
    }
  }, 30_000);

  it('--rerank needs --top and --follow', async () => {
    await expect(run({ venue: 'upbit', symbols: ['KRW-BTC'], follow: true, rerank: 60, db: db(), env: env() })).rejects.toThrow('--rerank without --top and --follow');
  });
});
