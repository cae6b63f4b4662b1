#!/usr/bin/env node
// One-step set-up behind `npm start`, `npm test` and `npm run bench`: installs the workspace
// with pnpm (fetched by npx, so only Node 20 and npm are needed; corepack is not used) when
// node_modules is missing or older than the lockfile, then builds every package with turbo
// (cached, so a second run takes about a second).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PNPM = 'pnpm@12.21.0';
const bin = join(root, 'node_modules', '.bin');
const env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH}`, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };

function run(cmd, args) {
  const res = spawnSync(cmd, args, { cwd: root, env, stdio: ['ignore', 2, 2] });
  if (res.status !== 0) {
    console.error(`setup: \`${cmd} ${args.join(' ')}\` failed (exit ${res.status ?? res.signal}).`);
    console.error('hint: needs Node 20.19+, 22.12+ or 24 (package.json engines) and access to the npm registry; rerun `npm run setup` to retry.');
    process.exit(2);
  }
}

const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);
const installed = mtime(join(root, 'node_modules', '.modules.yaml'));
if (installed === 0 || mtime(join(root, 'pnpm-lock.yaml')) > installed) {
  const local = join(bin, 'pnpm');
  if (existsSync(local)) run(local, ['install', '--frozen-lockfile']);
  else run('npx', ['-y', PNPM, 'install', '--frozen-lockfile']);
}
run(join(bin, 'turbo'), ['run', 'build', '--output-logs=errors-only', '--log-prefix=none']);
