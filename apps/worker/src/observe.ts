// `worker --metrics-port`: job durations and outcomes per queue (docs/operations.md, decision 133).
// The failure rate is sum(rate(cqt_worker_jobs_total{outcome=~"retried|dead"}[5m])) over the
// rate of all outcomes. The queue gauge reads the store at each scrape: it also counts jobs whose
// end no worker saw (the expiry failed them), which the outcome counter cannot.
import type { JobQueue } from '@cqt/jobs';
import type { Registry } from '@cqt/metrics';

/** How an attempt ended: completed; failed with attempts left (retried) or none (dead); cancelled; released at stop. */
export type JobOutcome = 'completed' | 'retried' | 'dead' | 'cancelled' | 'released';

export interface WorkerMetrics {
  started(queue: string): void;
  ended(queue: string, outcome: JobOutcome, seconds: number): void;
}

/** The queues this worker has opened so far, by name (filled as they open). */
export type OpenedQueues = ReadonlyArray<{ name: string; queue: JobQueue }>;

export async function workerMetrics(registry: Registry, opened: OpenedQueues = [], onReadError: (err: Error) => void = () => {}): Promise<WorkerMetrics> {
  const { counter, gauge, gaugeFrom, histogram } = await import('@cqt/metrics');
  let failing = false;
  gaugeFrom(registry, 'cqt_worker_queue_jobs', 'jobs of the queue in the store now, by state (queued, active, failed = retry waiting, dead, completed, cancelled; ended jobs until pg-boss archives them)', ['queue', 'state'], async () => {
    try {
      const counts = await Promise.all(opened.map(async ({ name, queue }) => [name, await queue.countByState()] as const));
      failing = false;
      return counts.flatMap(([name, byState]) => Object.entries(byState).map(([state, n]) => [{ queue: name, state }, n] as const));
    } catch (err) {
      // The store away: the scrape still answers (process and attempt metrics), without this gauge;
      // said once per outage, not at every scrape.
      if (!failing) onReadError(err as Error);
      failing = true;
      return [];
    }
  });
  const duration = histogram(registry, 'cqt_worker_job_duration_seconds', 'time from an attempt\'s start to its end, by queue and outcome', ['queue', 'outcome'], [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600]);
  const jobs = counter(registry, 'cqt_worker_jobs_total', 'attempts ended, by queue and outcome (completed, retried, dead, cancelled, released)', ['queue', 'outcome']);
  const running = gauge(registry, 'cqt_worker_jobs_running', 'attempts running now', ['queue']);
  return {
    started(queue) {
      running.inc({ queue });
    },
    ended(queue, outcome, seconds) {
      running.dec({ queue });
      duration.observe({ queue, outcome }, seconds);
      jobs.inc({ queue, outcome });
    },
  };
}
