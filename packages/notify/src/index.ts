// Job events to a webhook (CQT_NOTIFY_WEBHOOK_URL): one JSON POST, Slack-compatible (`text`) plus
// structured fields, retried with bounded exponential back-off. The URL is a secret (a Slack hook's
// token is its path), so no message, log line or error made here ever contains it.
import { hostname } from 'node:os';

export type JobEvent = 'job.dead' | 'job.completed';

export interface JobNotice {
  event: JobEvent;
  queue: string;
  jobId: string;
  /** The attempt that ended, and how many were allowed. */
  attempt: number;
  attempts: number;
  /** What the job ran, e.g. "sma-cross on upbit KRW-BTC 1h". */
  what: string;
  /** The last error (job.dead). */
  error?: string | null;
  /** The stored run (job.completed). */
  runId?: number | null;
}

export interface WebhookMessage extends JobNotice {
  /** Slack's field: one line a person reads. */
  text: string;
  host: string;
  tsMs: number;
}

/** The message posted for a job event (pure: `host` and `tsMs` are given). */
export function jobMessage(notice: JobNotice, host = hostname(), tsMs = Date.now()): WebhookMessage {
  const head = `cqt ${notice.queue} job ${notice.jobId}`;
  const text =
    notice.event === 'job.dead'
      ? `${head} is dead after ${notice.attempt}/${notice.attempts} attempts (${notice.what}): ${notice.error ?? 'no error recorded'} — fix the cause, then cqt backtest retry ${notice.jobId}`
      : `${head} completed (${notice.what})${notice.runId != null ? `: run ${notice.runId}` : ''}`;
  return { text, ...notice, host, tsMs };
}

export interface WebhookOptions {
  /** Tries in all (first + retries). Default 4. */
  attempts?: number;
  /** Wait before the first retry, doubled for each next one. Default 500 ms. */
  backoffMs?: number;
  /** Longest wait between tries, also the cap on a 429's Retry-After. Default 10 s. */
  maxBackoffMs?: number;
  /** One try's time limit. Default 10 s. */
  timeoutMs?: number;
  /** Where the URL came from, named in errors (never the URL itself). Default CQT_NOTIFY_WEBHOOK_URL. */
  source?: string;
}

export class WebhookError extends Error {
  constructor(
    message: string,
    readonly tries: number,
  ) {
    super(message);
    this.name = 'WebhookError';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `text` with every occurrence of the URL (and of its path, which carries the token) cut out. */
export function maskWebhookUrl(text: string, url: string): string {
  let out = text.split(url).join('<webhook>');
  try {
    const path = new URL(url).pathname;
    if (path.length > 1) out = out.split(path).join('/<masked>');
  } catch {
    // not a URL: the whole string was replaced above
  }
  return out.replace(/\s+/g, ' ').trim();
}

function why(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timed out';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

/**
 * POSTs `message` as JSON. Retries network errors, time-outs, 5xx and 429 (honouring Retry-After
 * up to maxBackoffMs); another 4xx is final. Throws a one-line WebhookError that never holds the URL.
 */
export async function postWebhook(url: string, message: object, options: WebhookOptions = {}): Promise<{ tries: number }> {
  const attempts = Math.max(1, options.attempts ?? 4);
  const backoffMs = options.backoffMs ?? 500;
  const maxBackoffMs = options.maxBackoffMs ?? 10_000;
  const body = JSON.stringify(message);
  const source = options.source ?? 'CQT_NOTIFY_WEBHOOK_URL';
  let last = '';
  for (let tries = 1; ; tries++) {
    let waitMs = Math.min(maxBackoffMs, backoffMs * 2 ** (tries - 1));
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { tries };
      last = `HTTP ${res.status}`;
      if (res.status < 500 && res.status !== 429) throw new WebhookError(maskWebhookUrl(`webhook (${source}) refused the message: ${last}`, url), tries);
      const retryAfterSec = Number(res.headers.get('retry-after'));
      if (res.status === 429 && retryAfterSec > 0) waitMs = Math.min(maxBackoffMs, retryAfterSec * 1000);
    } catch (err) {
      if (err instanceof WebhookError) throw err;
      last = why(err);
    }
    if (tries >= attempts) throw new WebhookError(maskWebhookUrl(`webhook (${source}) failed after ${tries} tries: ${last}`, url), tries);
    await sleep(waitMs);
  }
}
