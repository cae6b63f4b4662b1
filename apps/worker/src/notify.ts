// Job events to CQT_NOTIFY_WEBHOOK_URL (packages/notify): an attempt that fails with no attempt
// left (the job goes to the dead letter) and, with CQT_NOTIFY_ON=all, each completion. A job whose
// last attempt never ended (its worker was killed or hung, and its expiry failed it) is found by
// the sweep every worker runs. Each job's dead notice is claimed once in the store (job_notices),
// so one message goes out whichever worker sees it first. The post is retried a few times; a
// notification that still fails is one log line and never changes the job.
import { loadConfig } from '@cqt/config';
import type { JobContext, JobQueue } from '@cqt/jobs';
import { jobMessage, postWebhook, type JobNotice } from '@cqt/notify';

type Attempt = (job: JobContext<unknown>) => Promise<unknown>;

/** "sma-cross on upbit KRW-BTC 1h" / "buy-and-hold on /data/eth.parquet": what a backtest job ran. */
function describeJob(queue: string, data: unknown): string {
  const d = (data ?? {}) as { strategy?: string; candlesFile?: string; venue?: string; symbol?: string; timeframe?: string };
  if (!d.strategy) return queue;
  return `${d.strategy} on ${d.candlesFile ?? [d.venue, d.symbol, d.timeframe].filter(Boolean).join(' ')}`;
}

/** Posts a job notice to the webhook; false (and one log line) when it could not. */
export type Notify = (notice: JobNotice) => Promise<boolean>;

export interface Notifier {
  notify: Notify;
  /** CQT_NOTIFY_ON: dead jobs only, or each completion too. */
  on: 'dead' | 'all';
}

/** The webhook of CQT_NOTIFY_WEBHOOK_URL (read once per worker), or null when none is set. */
export function notifier(env: NodeJS.ProcessEnv, log: (line: string) => void): Notifier | null {
  const { values } = loadConfig({ env });
  const url = values.notifyWebhookUrl;
  if (!url) return null;
  const notify: Notify = async (notice) => {
    try {
      await postWebhook(url, jobMessage(notice));
      return true;
    } catch (err) {
      log(`job ${notice.jobId}: ${notice.event} notification not sent: ${(err as Error).message}`);
      return false;
    }
  };
  return { notify, on: values.notifyOn };
}

/** `attempt`, telling the webhook how it ended; `attempt` itself when no webhook is set. */
export function withNotifications(attempt: Attempt, options: { queue: JobQueue; queueName: string; notifier: Notifier | null }): Attempt {
  if (!options.notifier) return attempt;
  const { notify, on } = options.notifier;
  return async (job) => {
    // (see deadSweep for jobs whose last attempt never came back)
    const base = { queue: options.queueName, jobId: job.id, attempt: job.attempt, what: describeJob(options.queueName, job.data) };
    try {
      const result = await attempt(job);
      if (on === 'all') {
        const info = await options.queue.get(job.id).catch(() => null);
        await notify({ ...base, event: 'job.completed', attempts: info?.attempts ?? job.attempt, runId: (result as { runId?: number } | null)?.runId ?? null });
      }
      return result;
    } catch (err) {
      // A cancel is not a failure; an attempt with retries left is not dead yet.
      const info = job.signal.aborted ? null : await options.queue.get(job.id).catch(() => null);
      if (info && job.attempt >= info.attempts && (await options.queue.claimNotice(job.id, 'job.dead').catch(() => false))) {
        await notify({ ...base, event: 'job.dead', attempts: info.attempts, error: (err as Error).message });
      }
      throw err;
    }
  };
}

/** pg-boss's errors for a job its expiry failed: by the expiry check, or by the handler timer of the process that ran it. */
const EXPIRED = /^(job failed by timeout in active state|handler execution exceeded \d+ms)$/;
/** Jobs dead longer ago than this are not told on a worker's start (it was down, or it is new). */
const SWEEP_HORIZON_MS = 24 * 3_600_000;

/**
 * One sweep: each dead job of the queue from the last 24 h whose notice nobody claimed is claimed
 * and told. Returns the jobs told.
 */
export async function deadSweep(options: { queue: JobQueue; queueName: string; notify: Notify; nowMs?: number }): Promise<number> {
  let told = 0;
  for (const job of await options.queue.unnoticedDead((options.nowMs ?? Date.now()) - SWEEP_HORIZON_MS, 'job.dead')) {
    if (!(await options.queue.claimNotice(job.id, 'job.dead'))) continue;
    const error = EXPIRED.test(job.lastError ?? '') ? `expired: attempt ${job.attempt} never came back (its worker was stopped or hung past the job's expiry)` : (job.lastError ?? 'unknown');
    const notice: JobNotice = { event: 'job.dead', queue: options.queueName, jobId: job.id, attempt: job.attempt, attempts: job.attempts, what: describeJob(options.queueName, job.data), error };
    if (await options.notify(notice)) told++;
  }
  return told;
}
