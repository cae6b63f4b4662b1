// Counters a test can assert on ("the client reconnected twice", "3 frames were suppressed").

export type ServerCloseReason = 'idle' | 'no-pong' | 'lifetime' | 'rate-limit' | 'slow-consumer' | 'fault' | 'error';

export interface WsVenueStats {
  connectionsOpened: number;
  connectionsOpen: number;
  connectionsRejected: number;
  /** Subscribe / control messages received. */
  requestsReceived: number;
  dataFramesSent: number;
  /** Data frames withheld by a stall fault. */
  dataFramesSuppressed: number;
  errorsSent: number;
  closedByServer: Record<ServerCloseReason, number>;
}

export interface RestVenueStats {
  requests: number;
  /** 429/418 answers to a client that exceeded a rate limit (injected faults are not counted). */
  rateLimitViolations: number;
  /** path → HTTP status → count. */
  byPath: Record<string, Record<number, number>>;
}

export interface FakeExchangeStats {
  upbit: WsVenueStats;
  binance: WsVenueStats;
  rest: { binance: RestVenueStats; upbit: RestVenueStats; coinglass: RestVenueStats };
}

const wsStats = (): WsVenueStats => ({
  connectionsOpened: 0, connectionsOpen: 0, connectionsRejected: 0, requestsReceived: 0, dataFramesSent: 0,
  dataFramesSuppressed: 0, errorsSent: 0,
  closedByServer: { idle: 0, 'no-pong': 0, lifetime: 0, 'rate-limit': 0, 'slow-consumer': 0, fault: 0, error: 0 },
});

const restStats = (): RestVenueStats => ({ requests: 0, rateLimitViolations: 0, byPath: {} });

export function createStats(): FakeExchangeStats {
  return {
    upbit: wsStats(),
    binance: wsStats(),
    rest: { binance: restStats(), upbit: restStats(), coinglass: restStats() },
  };
}

export function countRest(stats: RestVenueStats, path: string, status: number, violation = false): void {
  stats.requests++;
  if (violation) stats.rateLimitViolations++;
  const byStatus = (stats.byPath[path] ??= {});
  byStatus[status] = (byStatus[status] ?? 0) + 1;
}
