// Test harness for the collector: a fake exchange, a plain `ws` observer that sees the same
// traffic as the collector (so tests compute expectations independently), and run() wiring.
import WebSocket from 'ws';
import { startFakeExchange, type FakeExchange, type FakeExchangeInput } from '@cqt/testkit';
import { run, type CollectOptions, type CollectResult } from '../index.js';

export const FAKE_KEY = 'cqt-test-coinglass-key-000000000001';

export async function fakeExchange(input: FakeExchangeInput = {}): Promise<FakeExchange> {
  return startFakeExchange({ ...input, coinglass: { apiKeys: [FAKE_KEY], ...(input as { coinglass?: object }).coinglass } } as FakeExchangeInput);
}

export function collectorEnv(fx: FakeExchange, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...fx.urls,
    CQT_UPBIT_MARKETS: 'KRW-BTC',
    CQT_BINANCE_SYMBOLS: 'BTCUSDT',
    BINANCE_POLL_SEC: '2',
    COINGLASS_POLL_SEC: '2',
    COINGLASS_ENABLED: 'false',
    ...extra,
  };
}

export interface Collection {
  done: Promise<CollectResult>;
  stop(): Promise<CollectResult>;
  logs: string[];
}

/** Starts the collector in-process; stop() aborts it like SIGTERM would. */
export function startCollect(options: CollectOptions & { env: NodeJS.ProcessEnv }): Collection {
  const controller = new AbortController();
  const logs: string[] = [];
  const done = run({ statusIntervalSec: 3600, staleAfterSec: 30, ...options, signal: controller.signal, log: (l) => logs.push(l) });
  return {
    done,
    logs,
    stop() {
      controller.abort();
      return done;
    },
  };
}

export interface ObservedFrame {
  recvTsMs: number;
  text: string;
}

/** A plain client recording every frame, subscribed like the collector. */
export class Observer {
  readonly frames: ObservedFrame[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.frames.push({ recvTsMs: Date.now(), text: data.toString('utf8') }));
  }

  static async upbit(fx: FakeExchange, market: string): Promise<Observer> {
    const ws = new WebSocket(fx.urls.UPBIT_WS_URL);
    const o = new Observer(ws);
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify([{ ticket: 'observer' }, { type: 'trade', codes: [market] }, { type: 'orderbook', codes: [`${market}.15`] }, { format: 'DEFAULT' }]));
    return o;
  }

  static async binance(fx: FakeExchange, symbol: string): Promise<Observer> {
    const s = symbol.toLowerCase();
    const ws = new WebSocket(`${fx.urls.BINANCE_WS_URL}/market/stream?streams=${s}@markPrice@1s/${s}@forceOrder`);
    const o = new Observer(ws);
    await new Promise((r) => ws.once('open', r));
    return o;
  }

  close(): void {
    this.ws.terminate();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

export interface ExpectedBar {
  open: number;
  high: number;
  low: number;
  close: number;
  closeTs: number;
  volume: number;
  tradeCount: number;
  buyVolume: number;
  sellVolume: number;
}

/**
 * Independent 1 s bars from DEFAULT-format trade frames (deduped on sequential_id), leaving out
 * the trades the collector reported late (received after their second was written: counted in
 * feed_events, not applied — a busy machine can delay a frame past the grace).
 */
export function barsFrom(frames: { text: string }[], lateSids: ReadonlySet<string> = new Set()): Map<number, ExpectedBar> {
  const bars = new Map<number, ExpectedBar>();
  const seen = new Set<string>(lateSids);
  for (const f of frames) {
    const m = JSON.parse(f.text);
    if (m.type !== 'trade') continue;
    const sid = /"sequential_id":(\d+)/.exec(f.text)![1];
    if (seen.has(sid)) continue;
    seen.add(sid);
    const sec = Math.floor(m.trade_timestamp / 1000) * 1000;
    const b = bars.get(sec);
    const buy = m.ask_bid === 'BID' ? m.trade_volume : 0;
    const sell = m.ask_bid === 'ASK' ? m.trade_volume : 0;
    if (!b) {
      bars.set(sec, { open: m.trade_price, high: m.trade_price, low: m.trade_price, close: m.trade_price, closeTs: m.trade_timestamp, volume: m.trade_volume, tradeCount: 1, buyVolume: buy, sellVolume: sell });
      continue;
    }
    b.high = Math.max(b.high, m.trade_price);
    b.low = Math.min(b.low, m.trade_price);
    if (m.trade_timestamp >= b.closeTs) [b.close, b.closeTs] = [m.trade_price, m.trade_timestamp];
    b.volume += m.trade_volume;
    b.tradeCount++;
    b.buyVolume += buy;
    b.sellVolume += sell;
  }
  return bars;
}
