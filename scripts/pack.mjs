#!/usr/bin/env node
// `npm run pack`: the installable CLI as one npm package, `cqt-<version>.tgz`, for
// `npm install -g cqt-<version>.tgz` on a machine with Node and npm only (no network needed).
//   node scripts/pack.mjs [--out DIR] [--no-build]     (default DIR: dist/ at the repo root)
// The JavaScript of the binary and of every workspace package and library it uses is bundled by
// esbuild into dist/ of the package (code-split, so commands still load only when run). What a
// bundle cannot carry ships as real packages inside the tarball (bundleDependencies): DuckDB's
// native binding and PGlite's wasm/data files, which load files beside their own modules, and the
// dashboard's chart libraries, which serve reads as files. Those native files make the tarball
// platform-specific: package.json names the platform it was packed on (os, cpu). Decision 142.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const started = Date.now();

function fail(message, hint) {
  console.error(`pack: ${message}`);
  if (hint) console.error(`hint: ${hint}`);
  process.exit(2);
}

const args = process.argv.slice(2);
let outDir = join(root, 'dist');
let buildFirst = true;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--out' && args[i + 1]) outDir = resolve(args[++i]);
  else if (args[i] === '--no-build') buildFirst = false;
  else fail(`unknown argument ${JSON.stringify(args[i])}`, 'usage: node scripts/pack.mjs [--out DIR] [--no-build]');
}

/** Workspace entry points, built by tsc; each a file of its own in the package's dist/. */
const ENTRIES = {
  bin: 'apps/cqt/dist/bin.js',
  // Worker-thread modules the code starts by URL beside itself (new URL('./x.js', import.meta.url)).
  storeThread: 'packages/db/dist/embedded/storeThread.js',
  jobThread: 'apps/worker/dist/jobThread.js',
  sweepWorker: 'packages/backtest/dist/sweepWorker.js',
};
/** The job modules `cqt worker` loads (apps/cqt/src/*Job.ts, named as ../<name>.js from src/commands/). */
const JOBS = readdirSync(join(root, 'apps/cqt/src')).filter((f) => /Job\.ts$/.test(f)).map((f) => f.replace(/\.ts$/, ''));
for (const job of JOBS) ENTRIES[job] = `apps/cqt/dist/${job}.js`;
/** Shipped as packages, not bundled: name → the workspace folder that depends on it. */
const PACKAGES = {
  '@duckdb/node-api': 'apps/export', // native binding (N-API: one binary for every Node version)
  '@electric-sql/pglite': 'packages/db', // wasm + data files read beside its modules
  uplot: 'apps/serve', // dashboard assets, read as files
  'lightweight-charts': 'apps/serve',
};
/** Optional imports of bundled libraries that are absent on purpose (each guarded by its library). */
const ABSENT = ['pg-native', 'bufferutil', 'utf-8-validate', '@aws-sdk/signature-v4-crt'];

const run = (cmd, argv, options = {}) => spawnSync(cmd, argv, { cwd: root, encoding: 'utf8', ...options });

if (buildFirst) {
  const turbo = join(root, 'node_modules', '.bin', 'turbo');
  if (!existsSync(turbo)) fail('the workspace is not installed', 'run `npm run setup` first');
  const res = run(turbo, ['run', 'build', '--filter=@cqt/cli...', '--output-logs=errors-only', '--log-prefix=none'], { stdio: ['ignore', 2, 2], env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' } });
  if (res.status !== 0) fail(`the build failed (exit ${res.status ?? res.signal})`, 'its errors are above');
}
for (const file of Object.values(ENTRIES)) if (!existsSync(join(root, file))) fail(`${file} is missing`, 'build first: `npm run setup` (or drop --no-build)');

const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const version = rootPkg.version;
const git = run('git', ['rev-parse', '--short', 'HEAD']);
const commit = git.status === 0 ? git.stdout.trim() : 'dev';
if (git.status !== 0) console.error('pack: not a git checkout; the release says "dev" for its commit');

const stage = join(outDir, 'cqt');
rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });

// 1. The bundle. `require` is made real for the CommonJS libraries inside the ES-module output.
await build({
  absWorkingDir: root,
  entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, join(root, file)])),
  outdir: join(stage, 'dist'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  chunkNames: 'chunk-[hash]',
  external: [...Object.keys(PACKAGES), ...ABSENT],
  define: { __CQT_VERSION__: JSON.stringify(version), __CQT_COMMIT__: JSON.stringify(commit) },
  banner: { js: "import { createRequire as __cqtRequire } from 'node:module'; const require = __cqtRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'error',
});

// 2. Files the code reads beside its bundle (each module looks beside itself first).
const drizzle = join(root, 'packages/db/drizzle');
mkdirSync(join(stage, 'dist/drizzle/meta'), { recursive: true });
for (const f of readdirSync(drizzle).filter((f) => f.endsWith('.sql'))) cpSync(join(drizzle, f), join(stage, 'dist/drizzle', f));
cpSync(join(drizzle, 'meta/_journal.json'), join(stage, 'dist/drizzle/meta/_journal.json'));
cpSync(join(root, 'apps/serve/dashboard'), join(stage, 'dist/dashboard'), { recursive: true });
// `cqt worker` names each job module as ../<job>.js from the commands' module, a dist/ chunk here.
for (const job of JOBS) writeFileSync(join(stage, `${job}.js`), `// A job module \`cqt worker\` loads (named in apps/cqt/src/commands/index.ts).\nexport * from './dist/${job}.js';\n`);

// 3. The packages shipped as they are, with everything they depend on, flat in node_modules/.
/** The folder of package `name` as Node would find it from `fromDir` (pnpm's layout included). */
function findPackage(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) return null;
  }
}
const shipped = new Map(); // name → { dir, version }
function ship(name, fromDir, optional) {
  const dir = findPackage(name, fromDir);
  if (!dir) {
    if (optional) return; // another platform's binary
    fail(`${name} is not installed (needed from ${fromDir})`, 'run `npm run setup`');
  }
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const seen = shipped.get(name);
  if (seen) {
    if (seen.version !== pkg.version) fail(`two versions of ${name} (${seen.version}, ${pkg.version}) would ship`, 'node_modules/ is flat here: align the versions');
    return;
  }
  shipped.set(name, { dir, version: pkg.version });
  cpSync(dir, join(stage, 'node_modules', name), { recursive: true, dereference: true });
  for (const dep of Object.keys(pkg.dependencies ?? {})) ship(dep, dir, false);
  for (const dep of Object.keys(pkg.optionalDependencies ?? {})) ship(dep, dir, true);
}
for (const [name, from] of Object.entries(PACKAGES)) ship(name, join(root, from), false);

// 4. package.json: the root's version and Node range; the platform of the native files.
const pkgJson = {
  name: 'cqt',
  version,
  description: rootPkg.description,
  type: 'module',
  bin: { cqt: 'dist/bin.js' },
  engines: rootPkg.engines,
  os: [process.platform],
  cpu: [process.arch],
  cqt: { commit },
  dependencies: Object.fromEntries(Object.keys(PACKAGES).map((name) => [name, shipped.get(name).version])),
  bundleDependencies: Object.keys(PACKAGES),
};
writeFileSync(join(stage, 'package.json'), `${JSON.stringify(pkgJson, null, 2)}\n`);
writeFileSync(
  join(stage, 'README.md'),
  `# cqt ${version} (${commit})\n\nThe crypto quant toolkit's command line, packed from the cqt repository (scripts/pack.mjs).\n` +
    `Install: \`npm install -g cqt-${version}.tgz\` (Node ${rootPkg.engines.node}, ${process.platform}-${process.arch}); then \`cqt --help\`, \`cqt demo\`.\n`,
);

// 5. The tarball.
const packed = run('npm', ['pack', stage, '--pack-destination', outDir, '--json'], { env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false' } });
if (packed.status !== 0) fail(`npm pack failed (exit ${packed.status ?? packed.signal})`, packed.stderr.trim().split('\n').slice(-3).join(' '));
const tgz = join(outDir, JSON.parse(packed.stdout)[0].filename);
rmSync(stage, { recursive: true, force: true });
const mb = (statSync(tgz).size / 1024 / 1024).toFixed(1);
console.error(`pack: cqt ${version} (${commit}) for ${process.platform}-${process.arch}, ${mb} MB, ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(tgz);
