// Connection failures of one stream (and errors of its established socket, recorded as `error`):
// each one recorded in feed_events, and each distinct message
// logged once, so an unreachable endpoint is obvious at 3 a.m. without flooding the log. A refused
// upgrade carries what the server said (status, Retry-After, ban, body); 429/418 are rate limits,
// recorded like the REST pollers' so one query finds every rate limit.
import { HandshakeRejectedError, type FeedEventKind, type FeedSource } from '@cqt/feeds';
import type { FeedEventLog } from './events.js';

export class ConnectErrors {
  private readonly logged = new Set<string>();

  constructor(
    private readonly source: FeedSource,
    private readonly url: string,
    private readonly events: FeedEventLog,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** `phase` open: an established socket failed (the close that follows is the disconnect event), not a failed connect. */
  report(err: Error, phase: 'connect' | 'open' = 'connect'): void {
    const message = err.message || String(err);
    const refused = err instanceof HandshakeRejectedError ? err : null;
    const code = (err as NodeJS.ErrnoException).code;
    const kind: FeedEventKind =
      phase === 'open' ? 'error' : refused && (refused.httpStatus === 429 || refused.httpStatus === 418) ? 'rate_limited' : 'connect_error';
    this.events.record({ source: this.source, kind, detail: { url: this.url, message, ...(code && { code }), ...(refused && refusalDetail(refused)) } });
    if (this.logged.has(message)) return;
    this.logged.add(message);
    const hint =
      phase === 'open'
        ? 'the socket was closed on it; reconnecting'
        : refused
          ? 'the server refused the connection; retrying no sooner than it asked'
          : 'retrying with backoff; check the URL and network';
    this.log(`collect: ${this.source} ${this.url}: ${message} (${hint})`);
  }
}

const isoOrNull = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function refusalDetail(r: HandshakeRejectedError): Record<string, unknown> {
  return { httpStatus: r.httpStatus, retryAfterSec: r.retryAfterSec, bannedUntil: isoOrNull(r.bannedUntilMs), pausedUntil: isoOrNull(r.resumeAtMs), body: r.body };
}
