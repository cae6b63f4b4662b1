export type { BenchRow, BenchSuite } from './harness.js';
export { timeMs } from './harness.js';
