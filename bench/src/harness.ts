// Shared shape for bench suites: each suite measures a subject and a baseline in the same run
// and reports their ratio, so a noisy machine shifts both sides alike.

export interface BenchRow {
  /** What was measured, e.g. "upbit trade parse". */
  name: string;
  /** The subject's figure. */
  value: number;
  unit: string;
  /** Baseline measured in the same run, same unit. */
  baseline?: number;
  baselineName?: string;
  /** value / baseline (or baseline / value for times), stated so that > 1 means "subject faster". */
  ratio?: number;
  note?: string;
}

export interface BenchSuite {
  name: string;
  run(): Promise<BenchRow[]>;
}

/** Median wall time in ms of `fn` over `repeats` runs after one warm-up. */
export async function timeMs(fn: () => unknown | Promise<unknown>, repeats = 5): Promise<number> {
  await fn();
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}
