// `predict --metrics-port` (the live snapshot loop): snapshot compute time, whole-tick time, how
// late each tick started, and overruns (docs/operations.md, decision 135). An overrun is a tick
// that started more than LATE_START_SEC after its due time (t0 + delay), or whose work took longer
// than the interval (the next tick then starts late too, and is counted once more for that).
import type { Registry } from '@cqt/metrics';

/** Timer jitter and a busy event loop stay well under this; a tick later than it is an overrun. */
export const LATE_START_SEC = 1;

export interface PredictTick {
  /** computeSnapshot returned. */
  computed(): void;
  /** The tick ended: its snapshot written (ok) or failed. */
  end(ok: boolean): void;
}

export interface PredictMetrics {
  /** The tick of boundary `t0Ms`, due at `dueMs` (t0 + delay), starts now. */
  tick(t0Ms: number, dueMs: number, intervalMs: number): PredictTick;
}

export async function predictMetrics(registry: Registry): Promise<PredictMetrics> {
  const { counter, gauge, histogram } = await import('@cqt/metrics');
  const compute = histogram(registry, 'cqt_predict_snapshot_compute_seconds', 'time to compute one feature snapshot and its prediction (reads included, write excluded)');
  const whole = histogram(registry, 'cqt_predict_tick_duration_seconds', 'time of a whole tick: compute, write, champion/shadow models', ['outcome']);
  const startDelay = histogram(registry, 'cqt_predict_tick_start_delay_seconds', 'how long after its due time (t0 + delay) a tick started', [], [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60]);
  const overruns = counter(registry, 'cqt_predict_overruns_total', `ticks that started over ${LATE_START_SEC} s late (late_start) or ran longer than the interval (ran_long)`, ['reason']);
  const snapshots = counter(registry, 'cqt_predict_snapshots_total', 'live ticks by outcome: written, failed', ['outcome']);
  const lastTs = gauge(registry, 'cqt_predict_last_snapshot_timestamp_seconds', 'unix time of the newest snapshot written (its t0)');
  for (const reason of ['late_start', 'ran_long']) overruns.inc({ reason }, 0);
  for (const outcome of ['written', 'failed']) snapshots.inc({ outcome }, 0);
  return {
    tick(t0Ms, dueMs, intervalMs) {
      const startedMs = Date.now();
      const t = performance.now();
      let computedAt: number | null = null;
      const lateSec = Math.max(0, (startedMs - dueMs) / 1000);
      startDelay.observe(lateSec);
      if (lateSec > LATE_START_SEC) overruns.inc({ reason: 'late_start' });
      return {
        computed() {
          computedAt = performance.now();
          compute.observe((computedAt - t) / 1000);
        },
        end(ok) {
          const sec = (performance.now() - t) / 1000;
          whole.observe({ outcome: ok ? 'written' : 'failed' }, sec);
          snapshots.inc({ outcome: ok ? 'written' : 'failed' });
          if (ok) lastTs.set(t0Ms / 1000);
          if (sec * 1000 > intervalMs) overruns.inc({ reason: 'ran_long' });
        },
      };
    },
  };
}
