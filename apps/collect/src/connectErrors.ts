// Connection failures of one stream: each one recorded in feed_events, and each distinct message
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

  report(err: Error): void {
    const message = err.message || String(err);
    const refused = err instanceof HandshakeRejectedError ? err : null;
    const kind: FeedEventKind = refused && (refused.httpStatus === 429 || refused.httpStatus === 418) ? 'rate_limited' : 'connect_error';
    this.events.record({ source: this.source, kind, detail: { url: this.url, message, ...(refused && refusalDetail(refused)) } });
    if (this.logged.has(message)) return;
    this.logged.add(message);
    const hint = refused ? 'the server refused the connection; retrying no sooner than it asked' : 'retrying with backoff; check the URL and network';
    this.log(`collect: ${this.source} ${this.url}: ${message} (${hint})`);
  }
}

const isoOrNull = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function refusalDetail(r: HandshakeRejectedError): Record<string, unknown> {
  return { httpStatus: r.httpStatus, retryAfterSec: r.retryAfterSec, bannedUntil: isoOrNull(r.bannedUntilMs), pausedUntil: isoOrNull(r.resumeAtMs), body: r.body };
}
