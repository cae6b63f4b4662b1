// `cqt demo`: the whole loop on one machine with no network and no keys — a seeded synthetic
// market served in-process by the fake exchange, ~60 s of `cqt collect` into a fresh embedded
// store, then `cqt predict --backfill`, `cqt check all` and `cqt export`, each run as the real
// binary (child processes, same store). It doubles as the project's end-to-end smoke test.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RuntimeFailure, type CommandOutput } from '@cqt/config';
import { envLines, startFakeExchange } from '@cqt/testkit';
import { demoFlags } from './command.js';

export interface DemoOptions {
  /** The cqt entry script the steps run (process.argv[1] in the CLI). */
  binPath: string;
  durationSec?: number;
  seed?: number;
  /** Folder for the store and the dataset; default ./data/demo-<time>. */
  dir?: string;
  horizonSec?: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface StepResult {
  step: string;
  command: string;
  exitCode: number;
  summary: unknown;
}

export interface DemoResult {
  dir: string;
  dataDir: string;
  parquet: string;
  steps: StepResult[];
  ok: boolean;
}

const DEMO_KEY = 'cqt-demo-coinglass-key-0000000001';

export async function run(options: DemoOptions): Promise<DemoResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const durationSec = options.durationSec ?? demoFlags.durationSec.default;
  const horizonSec = options.horizonSec ?? demoFlags.horizonSec.default;
  const seed = options.seed ?? demoFlags.seed.default;
  const dir = resolve(options.dir ?? join('data', `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`));
  const dataDir = join(dir, 'store');
  const parquet = join(dir, 'demo.parquet');
  mkdirSync(dir, { recursive: true });
  const steps: StepResult[] = [];

  log(`demo 1/5: fake exchange (synthetic market, seed ${seed}) on loopback`);
  const fx = await startFakeExchange({ seed, coinglass: { apiKeys: [DEMO_KEY] } });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...fx.urls,
    COINGLASS_ENABLED: 'true',
    COINGLASS_API_KEY: DEMO_KEY,
    BINANCE_POLL_SEC: '5',
    COINGLASS_POLL_SEC: '10',
    CQT_DATA_DIR: dataDir,
    CQT_UPBIT_MARKETS: 'KRW-BTC',
    CQT_BINANCE_SYMBOLS: 'BTCUSDT',
  };
  delete env.DATABASE_URL;
  for (const line of envLines(fx.urls)) log(`  ${line}`);

  const cqt = (step: string, args: string[], stepOptions?: StepOptions) => runStep(options.binPath, step, args, env, log, steps, stepOptions);
  let startMs = 0;
  let endMs = 0;
  try {
    log(`demo 2/5: cqt collect for ${durationSec} s into ${dataDir}`);
    startMs = Date.now();
    // Its status lines go to the demo's log as they come; SIGTERM stops it like Ctrl-C (rows flushed).
    const collected = await cqt('collect', ['collect', '--duration', `${durationSec}s`, '--status-interval', '15s', '--json'], {
      summary: (result) => (result as { rowsWritten: Record<string, number> }).rowsWritten,
      passLog: true,
      signal: options.signal,
    });
    endMs = Date.now();
    if (collected.exitCode !== 0) throw new RuntimeFailure(`demo: cqt collect exited with ${collected.exitCode}`, `its error is above; the store so far is in ${dataDir}`);
    log(`  rows: ${Object.entries(collected.summary as Record<string, number>).map(([t, n]) => `${t} ${n}`).join(', ')}`);
  } finally {
    await fx.close();
  }
  if (options.signal?.aborted) throw new RuntimeFailure('demo interrupted', `the store so far is in ${dataDir}`);

  // Snapshots on the 5 s grid over what was collected; labels need H seconds after each t0.
  const from = new Date(Math.ceil((startMs + 5000) / 5000) * 5000).toISOString();
  const to = new Date(Math.floor(endMs / 5000) * 5000).toISOString();

  log(`demo 3/5: cqt predict --backfill from ${from} to ${to}`);
  await cqt('predict', ['predict', '--backfill', '--from', from, '--to', to, '--horizon', `${horizonSec}s`, '--json']);
  log(`demo 4/5: cqt check all over the collected window`);
  await cqt('check all', ['check', 'all', '--window', `${Math.max(10, Math.floor((endMs - startMs) / 1000) - 10)}s`, '--as-of', to, '--json']);
  // The predictor's sigma (hence r_t) needs about a minute of history, so the demo labels with a
  // fixed 5 bps barrier instead of each snapshot's r_t.
  log(`demo 5/5: cqt export → ${parquet}`);
  await cqt('export', ['export', '--out', parquet, '--from', new Date(startMs).toISOString(), '--to', to, '--as-of', new Date(endMs).toISOString(), '--horizon', `${horizonSec}s`, '--r-t', '0.0005', '--with-raw', '--json']);

  const exported = steps.find((s) => s.step === 'export');
  const ok = steps.every((s) => s.step === 'check all' || s.exitCode === 0) && ((exported?.summary as { rows?: number })?.rows ?? 0) > 0;
  return { dir, dataDir, parquet, steps, ok };
}

interface StepOptions {
  /** What of the --json output the result keeps (default all of it). */
  summary?: (output: unknown) => unknown;
  /** Pass the child's stderr lines to the log as they come. */
  passLog?: boolean;
  /** Stops the child with SIGTERM. */
  signal?: AbortSignal;
}

/** Runs one `cqt` command as a child process, parses its --json output, logs a one-line result. */
async function runStep(bin: string, step: string, args: string[], env: NodeJS.ProcessEnv, log: (l: string) => void, steps: StepResult[], options: StepOptions = {}): Promise<StepResult> {
  const child = spawn(process.execPath, [bin, ...args], { env: { ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = () => child.kill('SIGTERM');
  options.signal?.addEventListener('abort', stop, { once: true });
  let stdout = '';
  let stderr = '';
  let pending = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    if (!options.passLog) return;
    const lines = (pending + d).split('\n');
    pending = lines.pop()!;
    for (const line of lines) log(`  ${line}`);
  });
  const exitCode = await new Promise<number>((r) => child.on('close', (code) => r(code ?? 2)));
  options.signal?.removeEventListener('abort', stop);
  if (options.passLog && pending) log(`  ${pending}`);
  let summary: unknown = null;
  try {
    summary = JSON.parse(stdout);
  } catch {
    summary = stdout.trim() || null;
  }
  if (exitCode === 0 && options.summary) summary = options.summary(summary);
  const result = { step, command: `cqt ${args.join(' ')}`, exitCode, summary };
  steps.push(result);
  const lastErr = stderr.trim().split('\n').filter((l) => l.startsWith('error:') || l.startsWith('hint:'));
  log(`  → exit ${exitCode}${lastErr.length ? ` (${lastErr.join(' ')})` : ''}${describe(step, summary)}`);
  return result;
}

function describe(step: string, summary: unknown): string {
  const s = summary as Record<string, unknown> | null;
  if (!s || typeof s !== 'object') return '';
  if (step === 'export' && 'rows' in s) {
    const labels = s.labels as Record<string, number>;
    return `: ${s.rows} rows, UP ${labels.UP} / DOWN ${labels.DOWN} / NONE ${labels.NONE}`;
  }
  if (step === 'check all' && 'overall' in s) return `: overall ${String(s.overall).toUpperCase()}`;
  return '';
}

export function output(result: DemoResult): CommandOutput {
  return {
    exitCode: result.ok ? 0 : 1,
    json: result,
    human: () =>
      [
        ...result.steps.map((s) => `${s.exitCode === 0 ? 'ok  ' : `exit ${s.exitCode}`} ${s.command}`),
        `store:   ${result.dataDir}   (cqt db status --data-dir ${result.dataDir})`,
        `dataset: ${result.parquet}`,
        result.ok ? 'demo complete' : 'demo did not complete: see the failing step above',
      ].join('\n'),
  };
}
