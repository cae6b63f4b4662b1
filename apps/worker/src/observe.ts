// `worker --metrics-port`: job durations and outcomes per queue (docs/operations.md, decision 133).
// The failure rate is sum(rate(cqt_worker_jobs_total{outcome=~"retried|dead"}[5m])) over the
// rate of all outcomes.
import type { Registry } from '@cqt/metrics';

/** How an attempt ended: completed; failed with attempts left (retried) or none (dead); cancelled; released at stop. */
export type JobOutcome = 'completed' | 'retried' | 'dead' | 'cancelled' | 'released';

export interface WorkerMetrics {
  started(queue: string): void;
  ended(queue: string, outcome: JobOutcome, seconds: number): void;
}

export async function workerMetrics(registry: Registry): Promise<WorkerMetrics> {
  const { counter, gauge, histogram } = await import('@cqt/metrics');
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
