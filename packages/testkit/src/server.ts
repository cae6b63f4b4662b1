// startFakeExchange: one loopback HTTP server that answers every venue by path —
// Upbit WS /websocket/v1 and REST /v1/…, Binance WS /market|/public/(stream|ws)… and REST
// /fapi/… /futures/data/…, Coinglass REST /api/… — driven by a single market clock.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { BinanceRest } from './binance/rest.js';
import { BinanceWsServer } from './binance/ws.js';
import { CoinglassRest } from './coinglass/rest.js';
import { FaultController, type RestFaultAction, type RestVenue } from './faults.js';
import { SyntheticFeed } from './feed/synthetic.js';
import type { FeedInterest, FeedSource } from './feed/types.js';
import { SyntheticMarket } from './market/synthetic.js';
import { resolveFakeExchangeOptions, type FakeExchangeInput, type FakeExchangeOptions } from './options.js';
import { loadRecordings } from './replay/recordings.js';
import { ReplayFeed } from './replay/source.js';
import { jsonResponse, type RestRequest, type RestResponse } from './rest/http.js';
import { countRest, createStats, type FakeExchangeStats } from './stats.js';
import { UpbitRest, loadUpbitCandleFiles } from './upbit/rest.js';
import { UpbitWsServer } from './upbit/ws.js';
import { rejectUpgrade } from './ws/limits.js';

export interface FakeExchangeUrls {
  /** Full socket URL, …/websocket/v1. */
  UPBIT_WS_URL: string;
  /** Base; clients append /market/stream?streams=… */
  BINANCE_WS_URL: string;
  BINANCE_REST_URL: string;
  UPBIT_REST_URL: string;
  COINGLASS_URL: string;
}

export interface FakeExchange {
  urls: FakeExchangeUrls;
  faults: FaultController;
  stats: FakeExchangeStats;
  /** The synthetic market behind REST (and behind WS in synthetic mode): e.g. liquidationBurst(). */
  market: SyntheticMarket;
  source: FeedSource;
  options: FakeExchangeOptions;
  /** The exchange clock (local clock + clockSkewMs). */
  nowMs(): number;
  close(): Promise<void>;
}

/** `KEY=value` lines for `set -a; eval "$(…)"` into a collector's environment. */
export function envLines(urls: FakeExchangeUrls): string[] {
  return (Object.keys(urls) as Array<keyof FakeExchangeUrls>).map((key) => `${key}=${urls[key]}`);
}

function restVenueOf(path: string): RestVenue | undefined {
  if (path.startsWith('/fapi/') || path.startsWith('/futures/data/')) return 'binance';
  if (path.startsWith('/v1/')) return 'upbit';
  if (path.startsWith('/api/')) return 'coinglass';
  return undefined;
}

export async function startFakeExchange(input: FakeExchangeInput = {}): Promise<FakeExchange> {
  const options = resolveFakeExchangeOptions(input);
  const nowMs = (): number => Date.now() + options.clockSkewMs;
  const originMs = nowMs();
  const faults = new FaultController();
  const stats = createStats();

  let replay: ReplayFeed | undefined;
  if (options.source.kind === 'replay') {
    const recordings = await loadRecordings(options.source.paths);
    if (recordings.length === 0) throw new Error(`no stream recordings found under ${options.source.paths.join(', ')}`);
    replay = new ReplayFeed({
      recordings, startMs: originMs, speed: options.source.speed, loop: options.source.loop,
      upbitMarkets: options.markets.upbit, binanceSymbols: options.markets.binance,
      symbolMap: options.source.symbolMap, borrowUnrecorded: options.source.borrowUnrecorded,
    });
  }
  const market = new SyntheticMarket({
    seed: options.seed, originMs, binanceSymbols: options.markets.binance, upbitMarkets: options.markets.upbit,
    usdKrw: options.usdKrw, tickMs: options.tickMs, usdPrices: replay?.startPricesUsd(options.usdKrw),
  });
  const source: FeedSource = replay ?? new SyntheticFeed(market);

  const upbitWs = new UpbitWsServer({ options: options.upbit, maxBufferedBytes: options.maxBufferedBytes, faults, stats: stats.upbit, source: () => source, nowMs });
  const binanceWs = new BinanceWsServer({ options: options.binance, maxBufferedBytes: options.maxBufferedBytes, faults, stats: stats.binance });
  const rest = {
    binance: new BinanceRest(market, options.binance),
    upbit: new UpbitRest(market, options.upbit, loadUpbitCandleFiles(options.upbit.candleFiles)),
    coinglass: new CoinglassRest(market, options.coinglass),
  };
  const pendingDelays = new Set<NodeJS.Timeout>();

  const faultResponse = (venue: RestVenue, action: Extract<RestFaultAction, { kind: 'fail' }>): RestResponse => {
    const retryAfterSec = action.retryAfterSec ?? 60;
    if (action.body !== undefined) return jsonResponse(action.status, action.body);
    if (action.status === 429 || action.status === 418) {
      if (venue === 'binance') return rest.binance.rateLimited(action.status, retryAfterSec, {}, Date.now() + retryAfterSec * 1000);
      if (venue === 'upbit') return UpbitRest.rateLimited(action.status, retryAfterSec);
    }
    const body = venue === 'binance' ? BinanceRest.errorBody(action.status) : venue === 'upbit' ? UpbitRest.errorBody(action.status) : CoinglassRest.errorBody(action.status);
    return jsonResponse(action.status, body);
  };

  const handleRest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const venue = restVenueOf(url.pathname);
    let answeredAtMs = nowMs();
    const send = (response: RestResponse): void => {
      if (venue) countRest(stats.rest[venue], url.pathname, response.status, response.violation);
      // The Date header is the exchange's clock when it computed the answer (clients decide by
      // it which candle is closed, so it must not run ahead of the body).
      res.writeHead(response.status, { Date: new Date(answeredAtMs).toUTCString(), ...response.headers }).end(response.body);
    };
    if (!venue) {
      send(jsonResponse(404, { error: 'not found' }));
      return;
    }
    const fault = faults.takeRestFault(venue, url.pathname);
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'fail') {
      send(faultResponse(venue, fault));
      return;
    }
    if (fault?.kind === 'delay') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          pendingDelays.delete(timer);
          resolve();
        }, fault.delayMs);
        pendingDelays.add(timer);
      });
      if (res.destroyed) return;
    }
    const request: RestRequest = {
      method: req.method ?? 'GET', path: url.pathname, query: url.searchParams,
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v])),
      ip: req.socket.remoteAddress ?? '', nowMs: (answeredAtMs = nowMs()),
    };
    send(rest[venue].handle(request));
  };

  // 1024 streams in a combined-stream URL exceed Node's default 16 KiB header limit.
  const server = createServer({ maxHeaderSize: 256 * 1024 }, (req, res) => {
    handleRest(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' }).end(String(err));
    });
  });
  // Upgraded sockets leave the HTTP server's bookkeeping; a refusal that keeps its socket open
  // would otherwise hold close() open.
  const upgradeSockets = new Set<Duplex>();
  server.on('upgrade', (req, socket, head) => {
    upgradeSockets.add(socket);
    socket.on('close', () => upgradeSockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    if (path === '/websocket/v1') upbitWs.handleUpgrade(req, socket, head);
    else if (BinanceWsServer.matches(req.url ?? '/')) binanceWs.handleUpgrade(req, socket, head);
    else rejectUpgrade(socket, { status: 404 });
  });

  const interest: FeedInterest = { upbit: (type, code) => upbitWs.wants(type, code), binance: (stream) => binanceWs.wants(stream) };
  const tick = (): void => {
    const now = nowMs();
    // In replay mode the synthetic market still runs: REST history and metrics come from it.
    if (replay) market.advanceTo(now);
    const batch = source.advance(now, interest);
    upbitWs.dispatch(batch.upbit);
    binanceWs.dispatch(batch.binance);
  };
  // One tick before listening: a replay's pre-roll is played, so snapshots exist for the first client.
  tick();
  const clock = setInterval(tick, options.tickMs);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;

  let closing: Promise<void> | undefined;
  return {
    urls: {
      UPBIT_WS_URL: `ws://${host}:${port}/websocket/v1`,
      BINANCE_WS_URL: `ws://${host}:${port}`,
      BINANCE_REST_URL: `http://${host}:${port}`,
      UPBIT_REST_URL: `http://${host}:${port}`,
      COINGLASS_URL: `http://${host}:${port}`,
    },
    faults,
    stats,
    market,
    source,
    options,
    nowMs,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        clearInterval(clock);
        for (const timer of pendingDelays) clearTimeout(timer);
        upbitWs.close();
        binanceWs.close();
        for (const socket of upgradeSockets) socket.destroy();
        server.close(() => resolve());
        // Hanging and keep-alive REST sockets would otherwise hold close() open.
        server.closeAllConnections();
      })),
  };
}
