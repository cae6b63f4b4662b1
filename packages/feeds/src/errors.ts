/** Which feed a frame came from; matches the `source` column of feed_events. */
export type FeedSource = 'upbit.ws' | 'upbit.rest' | 'binance.ws' | 'binance.rest' | 'coinglass.rest';

/** Longest raw excerpt kept on an error: enough to see the frame, small enough to log and store. */
const RAW_MAX_CHARS = 1000;

/** A frame that does not match the protocol. Parsers throw only this, never a bare TypeError. */
export class FeedParseError extends Error {
  override readonly name = 'FeedParseError';
  /** The frame text, truncated to RAW_MAX_CHARS. */
  readonly raw: string;

  constructor(
    readonly source: FeedSource,
    readonly reason: string,
    raw: string,
    options?: { cause?: unknown },
  ) {
    super(`${source}: ${reason}`, options);
    this.raw = raw.length > RAW_MAX_CHARS ? `${raw.slice(0, RAW_MAX_CHARS)}…[+${raw.length - RAW_MAX_CHARS} chars]` : raw;
  }
}
