// Upbit trades + order book → one market_1s row per second (pure; the caller supplies clocks).
//
// A bar is keyed by its open second in exchange time. Second S is closed — and emitted once —
// when the exchange clock, estimated as local time minus the observed receive lag, has passed
// S + 1 s + grace, and the feed has proved it delivered S whole: one of its data frames (any
// market's) is stamped S + 1 s or later. A socket can stay open and silent (a stall), and
// silence is not a calm market: without the proof, seconds would close empty with the last book
// carried forward. Trades for a closed second are late: counted, not applied (the row is final).
// Book fields come from the last book whose exchange time is before the second's end.
// Rows are emitted only for seconds the feed covered completely: from the first whole second
// after a (re)connected subscription went live to the last whole second before a disconnect. No rows are invented for a gap.
import type { Ohlcv } from '../ohlcv.js';

export interface TradeInput {
  tradeTsMs: number;
  price: number;
  volume: number;
  side: 'BID' | 'ASK';
  /** Exchange message time; with the receive time it estimates the clock offset. */
  tsMs: number;
}

export interface BookInput {
  tsMs: number;
  bestBid: number;
  bestAsk: number;
  bidSize: number;
  askSize: number;
}

export interface Bar {
  symbol: string;
  ts: Date;
  open: number | null;
  high: number | null;
  low: number | null;
  close: number | null;
  volume: number;
  quoteVolume: number;
  tradeCount: number;
  buyVolume: number;
  sellVolume: number;
  vwap: number | null;
  bestBid: number | null;
  bestAsk: number | null;
  bidSize: number | null;
  askSize: number | null;
  mid: number | null;
  spreadBps: number | null;
  bookTs: Date | null;
  recvTs: Date;
}

interface Bucket extends Ohlcv {
  tradeCount: number;
  buyVolume: number;
  sellVolume: number;
  lastTradeTsMs: number;
}

const SEC = 1000;
const floorSec = (ms: number) => Math.floor(ms / SEC) * SEC;

export interface BarBuilderOptions {
  /** How long after a second's end its late frames still count. */
  graceMs?: number;
}

/** How long after a second ends its trades are still waited for (the 2021 Upbit recording: the last trade of a second arrived up to 1.42 s after the second's end). */
export const BAR_GRACE_MS = 1500;

export class BarBuilder {
  private buckets = new Map<number, Bucket>();
  /**
   * Book states by exchange time: the newest one before the first pending second (the state that
   * second starts from) and every later one. Bounded by the pending time, not by a count: a busy
   * market sends hundreds of updates a second, and each pending second needs the last of its own.
   */
  private books: BookInput[] = [];
  /** First second not yet emitted; null while disconnected. */
  private nextSecMs: number | null = null;
  /** First second of the current connection's coverage. */
  private coverageStartMs: number | null = null;
  /** Receive time minus exchange time, smoothed (network latency + clock offset). */
  private lagMs: number | null = null;
  private readonly graceMs: number;
  lateTrades = 0;

  constructor(
    readonly symbol: string,
    options: BarBuilderOptions = {},
  ) {
    this.graceMs = options.graceMs ?? BAR_GRACE_MS;
  }

  /**
   * The feed's subscription is live as of local time recvTsMs: coverage starts at the next whole
   * second, and never at or before the second of the first frame's own stamp (firstTsMs): a lag
   * estimate from frames that queued behind a busy loop runs behind a fresh frame.
   */
  connected(recvTsMs: number, firstTsMs?: number): void {
    this.nextSecMs = floorSec(Math.max(this.exchangeNow(recvTsMs), firstTsMs ?? -Infinity)) + SEC;
    this.coverageStartMs = this.nextSecMs;
    this.buckets.clear();
  }

  /** Exchange time estimated from a local time. */
  exchangeNow(localMs: number): number {
    return localMs - (this.lagMs ?? 0);
  }

  private observe(exchangeTsMs: number, recvTsMs: number): void {
    const lag = recvTsMs - exchangeTsMs;
    this.lagMs = this.lagMs === null ? lag : this.lagMs + 0.05 * (lag - this.lagMs);
  }

  /**
   * Applies a trade to its second. Returns 'late' when that second was already emitted (the trade
   * is counted, not applied), 'uncovered' when it precedes this connection's coverage (e.g. the
   * snapshot sent on subscribe), 'applied' otherwise.
   */
  trade(t: TradeInput, recvTsMs: number): 'applied' | 'late' | 'uncovered' {
    this.observe(t.tsMs, recvTsMs);
    const sec = floorSec(t.tradeTsMs);
    if (this.nextSecMs === null || this.coverageStartMs === null || sec < this.coverageStartMs) return 'uncovered';
    if (sec < this.nextSecMs) {
      this.lateTrades++;
      return 'late';
    }
    const b = this.buckets.get(sec);
    const quote = t.price * t.volume;
    if (!b) {
      this.buckets.set(sec, {
        open: t.price,
        high: t.price,
        low: t.price,
        close: t.price,
        volume: t.volume,
        quoteVolume: quote,
        tradeCount: 1,
        buyVolume: t.side === 'BID' ? t.volume : 0,
        sellVolume: t.side === 'ASK' ? t.volume : 0,
        lastTradeTsMs: t.tradeTsMs,
      });
      return 'applied';
    }
    b.high = Math.max(b.high, t.price);
    b.low = Math.min(b.low, t.price);
    // Frames can arrive out of order within a second: close is the latest trade by trade time.
    if (t.tradeTsMs >= b.lastTradeTsMs) {
      b.close = t.price;
      b.lastTradeTsMs = t.tradeTsMs;
    }
    b.volume += t.volume;
    b.quoteVolume += quote;
    b.tradeCount++;
    if (t.side === 'BID') b.buyVolume += t.volume;
    else b.sellVolume += t.volume;
    return 'applied';
  }

  book(book: BookInput, recvTsMs: number): void {
    this.observe(book.tsMs, recvTsMs);
    // Keep the history sorted by exchange time (frames may arrive slightly out of order).
    let i = this.books.length;
    while (i > 0 && this.books[i - 1].tsMs > book.tsMs) i--;
    this.books.splice(i, 0, book);
    this.pruneBooks();
  }

  /**
   * Emits every covered second that is closed at local time nowMs and proven: provenUntilMs is
   * the exchange time of the feed's newest data frame (null: none on this connection yet).
   */
  close(nowMs: number, provenUntilMs: number | null): Bar[] {
    if (this.nextSecMs === null || provenUntilMs === null) return [];
    return this.emitUntil(this.closedBefore(nowMs, provenUntilMs), nowMs);
  }

  /** Seconds before this are closed: past the grace and ended by a delivered frame. */
  private closedBefore(nowMs: number, provenUntilMs: number): number {
    return Math.min(floorSec(this.exchangeNow(nowMs) - this.graceMs), floorSec(provenUntilMs));
  }

  /**
   * The feed went down (or fell silent): emit the seconds it proved complete, drop the rest, and
   * stop until reconnected. Complete means what `close` means — ended by a delivered frame and
   * past the grace: frames are not delivered in exchange-time order, so a second still inside
   * the grace may have had a trade in flight when the socket went. The book is dropped too: it
   * must not be carried across the gap.
   */
  disconnected(provenUntilMs: number | null, nowMs: number): Bar[] {
    if (this.nextSecMs === null) return [];
    const coveredUntil = provenUntilMs === null ? this.nextSecMs : this.closedBefore(nowMs, provenUntilMs);
    const bars = this.emitUntil(coveredUntil, nowMs);
    this.nextSecMs = null;
    this.coverageStartMs = null;
    this.buckets.clear();
    this.books = [];
    return bars;
  }

  /** Book states held (for tests of the bound). */
  get heldBooks(): number {
    return this.books.length;
  }

  /** First second not yet emitted (null while disconnected). */
  get pendingFromMs(): number | null {
    return this.nextSecMs;
  }

  private emitUntil(endSecMs: number, recvMs: number): Bar[] {
    const bars: Bar[] = [];
    while (this.nextSecMs !== null && this.nextSecMs < endSecMs) {
      bars.push(this.bar(this.nextSecMs, recvMs));
      this.buckets.delete(this.nextSecMs);
      this.nextSecMs += SEC;
    }
    this.pruneBooks();
    return bars;
  }

  /** Drops the book states no pending second can need: all before the newest one before it. */
  private pruneBooks(): void {
    const firstPendingMs = this.nextSecMs ?? Infinity;
    let newestBefore = 0;
    while (newestBefore + 1 < this.books.length && this.books[newestBefore + 1].tsMs < firstPendingMs) newestBefore++;
    if (newestBefore > 0) this.books.splice(0, newestBefore);
  }

  private bar(secMs: number, recvMs: number): Bar {
    const b = this.buckets.get(secMs);
    const book = this.bookAt(secMs + SEC);
    const mid = book ? (book.bestBid + book.bestAsk) / 2 : null;
    return {
      symbol: this.symbol,
      ts: new Date(secMs),
      open: b?.open ?? null,
      high: b?.high ?? null,
      low: b?.low ?? null,
      close: b?.close ?? null,
      volume: b?.volume ?? 0,
      quoteVolume: b?.quoteVolume ?? 0,
      tradeCount: b?.tradeCount ?? 0,
      buyVolume: b?.buyVolume ?? 0,
      sellVolume: b?.sellVolume ?? 0,
      vwap: b && b.volume > 0 ? b.quoteVolume / b.volume : null,
      bestBid: book?.bestBid ?? null,
      bestAsk: book?.bestAsk ?? null,
      bidSize: book?.bidSize ?? null,
      askSize: book?.askSize ?? null,
      mid,
      spreadBps: book && mid ? ((book.bestAsk - book.bestBid) / mid) * 1e4 : null,
      bookTs: book ? new Date(book.tsMs) : null,
      recvTs: new Date(recvMs),
    };
  }

  /** The last book strictly before endMs (the state at the end of the second). */
  private bookAt(endMs: number): BookInput | null {
    for (let i = this.books.length - 1; i >= 0; i--) if (this.books[i].tsMs < endMs) return this.books[i];
    return null;
  }
}
