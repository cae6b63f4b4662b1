// `pnpm bench` / `npm run bench`: runs every suite (or those named in argv) and prints each figure
// with its same-run baseline and ratio. Long measurements live here, never in the test suite.
import type { BenchRow, BenchSuite } from './harness.js';

const suites: Record<string, () => Promise<{ suite: BenchSuite }>> = {
  backtest: () => import('./backtest.js'),
  candles: () => import('./candles.js'),
  checks: () => import('./checks.js'),
  cli: () => import('./cli.js'),
  collect: () => import('./collect.js'),
  db: () => import('./db.js'),
  export: () => import('./export.js'),
  feeds: () => import('./feeds.js'),
  jobs: () => import('./jobs.js'),
  labeling: () => import('./labeling.js'),
  models: () => import('./models.js'),
  predict: () => import('./predict.js'),
  scale: () => import('./scale.js'),
  serve: () => import('./serve.js'),
  // Last: ≥ 20 minutes of faults against two collectors (CQT_BENCH_SOAK_MIN).
  soak: () => import('./soak.js'),
};

// Before any suite is imported: suites read their sizes at load.
if (process.argv.includes('--quick')) process.env.CQT_BENCH_QUICK = '1';
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !(w in suites));
if (unknown.length) {
  process.stderr.write(`error: unknown bench suite(s) ${unknown.join(', ')}\nhint: choose from ${Object.keys(suites).join(', ')}\n`);
  process.exit(2);
}
const json = process.argv.includes('--json');
const all: Array<BenchRow & { suite: string }> = [];
const fmt = (v: number) => (v >= 1000 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3));

// The soak's fault schedule does not shrink, so --quick leaves it out unless it is named.
const chosen = wanted.length ? wanted : Object.keys(suites).filter((k) => !(process.env.CQT_BENCH_QUICK === '1' && k === 'soak'));
for (const key of chosen) {
  const { suite } = await suites[key]();
  process.stderr.write(`bench: ${suite.name}…\n`);
  for (const row of await suite.run()) {
    all.push({ suite: suite.name, ...row });
    if (!json) {
      const base = row.baseline !== undefined ? `  vs ${row.baselineName ?? 'baseline'} ${fmt(row.baseline)} ${row.unit}` : '';
      const ratio = row.ratio !== undefined ? `  ratio ${row.ratio.toFixed(2)}` : '';
      process.stdout.write(`${suite.name.padEnd(16)} ${row.name}: ${fmt(row.value)} ${row.unit}${base}${ratio}${row.note ? `  (${row.note})` : ''}\n`);
    }
  }
}
if (json) process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);

// Every suite closes what it opened, so the process ends here by itself. If something was left
// open (a child, a socket, a writer retrying), say what, and fail, instead of hanging for ever.
setTimeout(() => {
  process.stderr.write(`error: the bench is still running 10 s after its last row: ${process.getActiveResourcesInfo().filter((r) => r !== 'Timeout').join(', ')}\nhint: a suite left a handle open (close writers and stop children before returning)\n`);
  process.exit(1);
}, 10_000).unref();
