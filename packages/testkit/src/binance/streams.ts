// Binance USD-M WebSocket routes, as Binance documents them: since 2026 the market streams live
// under /market and the high-frequency ones under /public; the un-routed legacy paths still
// accept connections but deliver nothing.

export type BinanceRoute = 'market' | 'public' | 'legacy';

export interface BinanceWsPath {
  route: BinanceRoute;
  /** true for /stream?streams=… (wrapped), false for /ws/<s1>/<s2> (raw payloads). */
  combined: boolean;
  streams: string[];
}

const PUBLIC_KINDS = /^(bookTicker|depth(\d+)?(@\d+ms)?|rpiDepth.*|trade)$/;

/** Which route carries a stream (by the part after `<symbol>@`). */
export function routeOfStream(stream: string): 'market' | 'public' {
  const at = stream.indexOf('@');
  const kind = at >= 0 ? stream.slice(at + 1) : stream;
  return PUBLIC_KINDS.test(kind) ? 'public' : 'market';
}

/** Parses a WebSocket request path; undefined when it is not a Binance stream path. */
export function parseBinanceWsPath(pathAndQuery: string): BinanceWsPath | undefined {
  const url = new URL(pathAndQuery, 'ws://fake');
  const parts = url.pathname.split('/').filter(Boolean);
  let route: BinanceRoute = 'legacy';
  if (parts[0] === 'market' || parts[0] === 'public') route = parts.shift() as BinanceRoute;
  const mode = parts.shift();
  if (mode === 'stream' && parts.length === 0) {
    const streams = (url.searchParams.get('streams') ?? '').split('/').filter(Boolean);
    return { route, combined: true, streams };
  }
  if (mode === 'ws') return { route, combined: false, streams: parts.map(decodeURIComponent) };
  return undefined;
}
