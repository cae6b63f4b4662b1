// HTTP at the edge: GET with a timeout, the venue's clock from the Date header, and the retry
// policy every venue shares — wait as told on 429/418 (Retry-After, or the ban time in the body),
// back off on 5xx and network errors, give up with a one-line cause on anything else.
import { RuntimeFailure, UsageError } from '@cqt/config';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: unknown;
  /** Local receive time. */
  recvMs: number;
  /** The venue's clock from the Date header (second precision, rounded down), if sent. */
  dateMs: number | undefined;
}

export interface CallStats {
  requests: number;
  /** 429/418 answers received (should stay 0: the pacers keep under the limits). */
  rateLimited: number;
  retries: number;
  waitedMs: number;
}

export interface HttpOptions {
  /** Longest single wait (ban, Retry-After) before giving up; default 10 min. */
  maxWaitMs?: number;
  timeoutMs?: number;
  /** Each failed attempt that will be retried, as one line (`cqt backfill --follow` logs it). */
  onRetry?: (line: string) => void;
}

export const sleepMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const MAX_ATTEMPTS = 8;

export class HttpCaller {
  readonly stats: CallStats = { requests: 0, rateLimited: 0, retries: 0, waitedMs: 0 };
  private readonly maxWaitMs: number;
  private readonly timeoutMs: number;
  private readonly onRetry: ((line: string) => void) | undefined;

  constructor(
    readonly venue: string,
    options: HttpOptions = {},
  ) {
    this.maxWaitMs = options.maxWaitMs ?? 10 * 60_000;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.onRetry = options.onRetry;
  }

  private retryLine(path: string, problem: string, attempt: number, waitMs: number): void {
    this.onRetry?.(`${this.venue} ${path}: ${problem}; attempt ${attempt} of ${MAX_ATTEMPTS}, next in ${(waitMs / 1000).toFixed(waitMs < 1000 ? 1 : 0)} s`);
  }

  async wait(ms: number): Promise<void> {
    if (ms <= 0) return;
    if (ms > this.maxWaitMs) {
      throw new RuntimeFailure(`${this.venue} asks to wait ${Math.ceil(ms / 1000)} s (rate limit or ban)`, 'run again later; another client on this IP may be using the budget');
    }
    this.stats.waitedMs += ms;
    await sleepMs(ms);
  }

  /**
   * GET with retries. `beforeEach` paces the request (called before every attempt);
   * `rateLimitWaitMs` reads how long a 429/418 asks us to stay away.
   */
  async get(url: string, hooks: { beforeEach: () => Promise<void>; afterEach: (answer: HttpAnswer) => void; rateLimitWaitMs: (answer: HttpAnswer) => number }): Promise<HttpAnswer> {
    let lastProblem = '';
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      await hooks.beforeEach();
      let answer: HttpAnswer;
      try {
        this.stats.requests++;
        const res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
        const text = await res.text();
        const date = res.headers.get('date');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Not JSON (a proxy's error page): kept as text for the message.
        }
        answer = { status: res.status, headers: res.headers, body, recvMs: Date.now(), dateMs: date ? Date.parse(date) || undefined : undefined };
      } catch (err) {
        // fetch says only "fetch failed"; the cause names it (ECONNREFUSED, a timeout…).
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        lastProblem = `${(err as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}`;
        this.stats.retries++;
        const waitMs = Math.min(30_000, 500 * 2 ** attempt);
        if (attempt < MAX_ATTEMPTS) this.retryLine(new URL(url).pathname, lastProblem, attempt, waitMs);
        await this.wait(waitMs);
        continue;
      }
      hooks.afterEach(answer);
      if (answer.status === 200) return answer;
      if (answer.status === 429 || answer.status === 418) {
        this.stats.rateLimited++;
        this.stats.retries++;
        const waitMs = hooks.rateLimitWaitMs(answer);
        this.retryLine(new URL(url).pathname, `HTTP ${answer.status} ${describeBody(answer.body)}`, attempt, waitMs);
        await this.wait(waitMs);
        continue;
      }
      lastProblem = `HTTP ${answer.status} ${describeBody(answer.body)}`;
      if (answer.status >= 500 || answer.status === 408) {
        this.stats.retries++;
        const waitMs = Math.min(30_000, 500 * 2 ** attempt);
        if (attempt < MAX_ATTEMPTS) this.retryLine(new URL(url).pathname, lastProblem, attempt, waitMs);
        await this.wait(waitMs);
        continue;
      }
      if (answer.status === 400 || answer.status === 404) throw new UsageError(`${this.venue} refused ${new URL(url).pathname}: ${lastProblem}`, 'check --symbol and --timeframe for this venue');
      throw new RuntimeFailure(`${this.venue} answered ${lastProblem} for ${new URL(url).pathname}`, 'check the REST URL in the configuration');
    }
    throw new RuntimeFailure(`${this.venue} kept failing after ${MAX_ATTEMPTS} attempts: ${lastProblem}`, 'check the network and the REST URL; the cursor keeps what was committed, so run again to resume');
  }
}

function describeBody(body: unknown): string {
  if (typeof body === 'string') return body.slice(0, 120);
  const b = body as { msg?: string; error?: { message?: string } };
  return b?.msg ?? b?.error?.message ?? JSON.stringify(body).slice(0, 120);
}

/**
 * At most `limit` requests in any `windowMs`, counted by when the server may have seen them. A
 * request reaches the server somewhere between its send and its answer, so each holds a slot
 * from its send until a window (+ `marginMs`) after its answer: then no fixed window on the
 * server can hold more than `limit`, however late a request arrives. Counting by send time alone
 * let a request held ~100 ms on a loaded machine land in the next window beside ten fresh ones.
 * A request whose answer never comes holds its slot until `timeoutMs` after its send.
 */
export class SlidingPacer {
  /** Per request: its answer's receive time, or send + time-out while it is out. */
  private readonly slots: Array<{ untilMs: number }> = [];
  private notBeforeMs = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly marginMs = 50,
    private readonly timeoutMs = 30_000,
  ) {}

  /** Milliseconds to wait before the next request may go. */
  delayMs(nowMs: number): number {
    const freeAtMs = (t: number): number => t + this.windowMs + this.marginMs;
    for (let i = this.slots.length - 1; i >= 0; i--) if (freeAtMs(this.slots[i].untilMs) <= nowMs) this.slots.splice(i, 1);
    let windowWait = 0;
    if (this.slots.length >= this.limit) {
      // Enough slots must free for one to be open: the (over + 1)-th to free decides.
      const sorted = this.slots.map((s) => s.untilMs).sort((a, b) => a - b);
      windowWait = freeAtMs(sorted[this.slots.length - this.limit]) - nowMs;
    }
    return Math.max(0, windowWait, this.notBeforeMs - nowMs);
  }

  /** Call as the request goes; call what it returns with the answer's receive time. */
  sent(nowMs: number): (recvMs: number) => void {
    const slot = { untilMs: nowMs + this.timeoutMs };
    this.slots.push(slot);
    return (recvMs: number) => {
      slot.untilMs = Math.min(slot.untilMs, recvMs);
    };
  }

  /** The server says the budget is spent (e.g. Remaining-Req sec=0): nothing before `untilMs`. */
  holdUntil(untilMs: number): void {
    this.notBeforeMs = Math.max(this.notBeforeMs, untilMs);
  }
}
