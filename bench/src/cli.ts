// `cqt --help` start-up time (target < 0.4 s) against a bare `node -e 0` in the same run: the
// difference is what the CLI itself costs before any command code is loaded.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchSuite } from './harness.js';
import { timeMs } from './harness.js';

const bin = fileURLToPath(new URL('../../apps/cqt/dist/bin.js', import.meta.url));

function run(args: string[]): void {
  const res = spawnSync(process.execPath, args, { stdio: 'ignore' });
  if (res.status !== 0) throw new Error(`${args.join(' ')} exited ${res.status}`);
}

export const suite: BenchSuite = {
  name: 'cli start-up',
  async run() {
    const help = await timeMs(() => run([bin, '--help']), 9);
    const bare = await timeMs(() => run(['-e', '0']), 9);
    return [{ name: 'cqt --help wall time (median of 9)', value: help, unit: 'ms', baseline: bare, baselineName: 'node -e 0', ratio: bare / help, note: help < 400 ? 'target < 400 ms met' : 'ABOVE 400 ms target' }];
  },
};
