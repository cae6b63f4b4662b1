// The built `cqt` binary as an operator runs it (build first: `node scripts/setup.mjs`).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Db } from '@cqt/db';

export const cqtBin = fileURLToPath(new URL('../../../apps/cqt/dist/bin.js', import.meta.url));

// Every variable cqt reads (docs/operations.md); the developer's own must not leak into a test.
const CQT_VARIABLES = /^(DATABASE_URL|COINGLASS_|BINANCE_|UPBIT_|CQT_)/;

/** This process's environment without cqt's variables, plus NO_COLOR and `env`: only `env` configures cqt. */
export function operatorEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !CQT_VARIABLES.test(name)));
  return { ...clean, NO_COLOR: '1', ...env };
}

export interface CqtRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `cqt args…` to completion with operatorEnv(env). */
export function runCqt(
  args: string[],
  env: Record<string, string> = {},
  options: { cwd?: string; timeoutMs?: number } = {},
): CqtRun {
  const res = spawnSync(process.execPath, [cqtBin, ...args], {
    cwd: options.cwd,
    env: operatorEnv(env),
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** The variable that points cqt at `db`'s store: its URL (test databases trust, so the masked location is the URL), or its data dir (cqt joins as a client). */
export function storeEnv(db: Db): Record<string, string> {
  return db.backend === 'postgres' ? { DATABASE_URL: db.location } : { CQT_DATA_DIR: db.location };
}

export interface CqtChild {
  child: ChildProcess;
  /** Everything written so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** undefined while it runs. */
  readonly exitCode: number | null | undefined;
  exited: Promise<void>;
}

/**
 * Starts `cqt args…` with operatorEnv(env) and keeps its output; `wrap` runs it under another
 * command (e.g. a shell that sets a ulimit first and ends in `exec "$@"`).
 */
export function startCqt(args: string[], env: NodeJS.ProcessEnv = {}, options: { wrap?: string[] } = {}): CqtChild {
  const [cmd, ...pre] = [...(options.wrap ?? []), process.execPath];
  const child = spawn(cmd, [...pre, cqtBin, ...args], { env: operatorEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const run = { child, stdout: '', stderr: '', exitCode: undefined as number | null | undefined, exited: Promise.resolve() };
  child.stdout!.on('data', (d) => (run.stdout += d));
  child.stderr!.on('data', (d) => (run.stderr += d));
  run.exited = new Promise<void>((r) => child.on('exit', (code) => ((run.exitCode = code), r())));
  return run;
}

/** Runs `cqt args…` to completion without blocking this process (a fake exchange living here keeps answering). */
export async function runCqtAsync(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null | undefined; stdout: string; stderr: string }> {
  const child = startCqt(args, env);
  await child.exited;
  return { code: child.exitCode, stdout: child.stdout, stderr: child.stderr };
}
