// The built `cqt` binary as an operator runs it (build first: `node scripts/setup.mjs`).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const cqtBin = fileURLToPath(new URL('../../../apps/cqt/dist/bin.js', import.meta.url));

// Every variable cqt reads (docs/operations.md); the developer's own must not leak into a test.
const CQT_VARIABLES = /^(DATABASE_URL|COINGLASS_|BINANCE_|UPBIT_|CQT_)/;

/** This process's environment without cqt's variables, plus NO_COLOR and `env`: only `env` configures cqt. */
export function operatorEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
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
