// Preloaded (`node --import`) into the soak's collectors: after each full (mark-compact) garbage
// collection, appends "<epoch ms> <heap used bytes>" to CQT_BENCH_GC_LOG. Heap used right after a
// full collection is what a leak raises; RSS also swings with V8 sizing its heap.
import { appendFileSync } from 'node:fs';
import { PerformanceObserver, constants } from 'node:perf_hooks';

const out = process.env.CQT_BENCH_GC_LOG;
if (out) {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) appendFileSync(out, `${Date.now()} ${process.memoryUsage().heapUsed}\n`);
    }
  }).observe({ entryTypes: ['gc'] });
}
