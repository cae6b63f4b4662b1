// The queues a worker can serve. Kept free of imports: `cqt worker --help` and flag parsing load
// this, not pg-boss (the names are @cqt/jobs' BACKTEST_QUEUE, NOOP_QUEUE and TRAIN_QUEUE; index.ts checks).
export const KNOWN_QUEUES = ['backtest', 'noop', 'train'] as const;
export type KnownQueue = (typeof KNOWN_QUEUES)[number];

/** `--queues a,b` → the names (once each), or undefined when one is not a known queue. */
export function parseQueues(text: string): KnownQueue[] | undefined {
  const names = text.split(',').map((s) => s.trim());
  if (names.some((n) => !(KNOWN_QUEUES as readonly string[]).includes(n))) return undefined;
  return [...new Set(names)] as KnownQueue[];
}
