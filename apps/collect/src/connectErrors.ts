// Connection failures of one stream: each one recorded in feed_events, and each distinct message
// logged once, so an unreachable endpoint is obvious at 3 a.m. without flooding the log.
import type { FeedSource } from '@cqt/feeds';
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
    this.events.record({ source: this.source, kind: 'connect_error', detail: { url: this.url, message } });
    if (this.logged.has(message)) return;
    this.logged.add(message);
    this.log(`collect: ${this.source} ${this.url}: ${message} (retrying with backoff; check the URL and network)`);
  }
}
