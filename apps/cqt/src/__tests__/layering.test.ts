// Dependencies point one way: apps → packages. Engines live in packages and apps are commands, so
// no app imports another app — only this binary mounts their commands — no package imports an
// app, bench measures packages, and feeds never imports db. Checked on every .ts file under
// apps/*/src, packages/*/src and bench/src (imports, and relative paths into another app's folder)
// and on every package.json (dependencies of every kind).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The binary: the one workspace that may reach into apps (their command modules, check apps for `check all`). */
const BINARY = 'apps/cqt';
/**
 * Apps bench still runs in-process to time them end to end. Each must go once its engine is a
 * package; an entry no longer used fails the test, so the list can only shrink.
 */
const BENCH_RUNS_APPS: Record<string, string> = {
  '@cqt/collect': 'the collector\'s Upbit path (UpbitFeed, FeedEventLog) and run()',
  '@cqt/export': 'cqt export\'s run()',
  '@cqt/check-altdata': 'cqt check altdata\'s run()',
};

interface Workspace {
  /** Folder relative to the root, e.g. apps/collect. */
  dir: string;
  kind: 'app' | 'package' | 'bench';
  /** Names it is imported by: its package name and `@cqt/<folder>` (the test alias). */
  names: string[];
}

interface Use {
  /** Who: a workspace folder. */
  from: string;
  /** Where: a source file or package.json, relative to the root. */
  file: string;
  /** What: the imported specifier or dependency name. */
  target: string;
  /** The workspace it reaches. */
  to: Workspace;
}

function workspaces(root: string): Workspace[] {
  const found: Workspace[] = [];
  const add = (dir: string, kind: Workspace['kind']) => {
    const { name } = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { name: string };
    found.push({ dir, kind, names: [...new Set([name, `@cqt/${dir.split('/').pop()}`])] });
  };
  for (const group of ['apps', 'packages'] as const) {
    for (const name of readdirSync(join(root, group)).sort()) add(`${group}/${name}`, group === 'apps' ? 'app' : 'package');
  }
  add('bench', 'bench');
  return found;
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsFiles(path));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g;

/** Every import and dependency from one workspace to another. */
function uses(root: string): Use[] {
  const all = workspaces(root);
  // A package name wins over a folder alias (packages/backtest is @cqt/backtest; apps/backtest is
  // @cqt/backtest-app), as the test runner's aliases try packages before apps.
  const matches = (n: string, specifier: string) => specifier === n || specifier.startsWith(`${n}/`);
  const byName = (specifier: string) => all.find((w) => matches(w.names[0], specifier)) ?? all.find((w) => w.names.some((n) => matches(n, specifier)));
  const byPath = (path: string) => all.find((w) => path === join(root, w.dir) || path.startsWith(join(root, w.dir) + sep));
  const found: Use[] = [];
  for (const w of all) {
    const manifest = JSON.parse(readFileSync(join(root, w.dir, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const target of Object.keys(manifest[field] ?? {})) {
        const to = byName(target);
        if (to) found.push({ from: w.dir, file: `${w.dir}/package.json`, target, to });
      }
    }
    for (const file of tsFiles(join(root, w.dir, 'src'))) {
      for (const [, specifier] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        const to = specifier.startsWith('.') ? byPath(resolve(dirname(file), specifier)) : byName(specifier);
        if (to && to.dir !== w.dir) found.push({ from: w.dir, file: relative(root, file), target: specifier, to });
      }
    }
  }
  return found;
}

/** Uses that break the layering, as `file: target` lines. */
function violations(root: string, benchRunsApps: Record<string, string> = {}): string[] {
  const kinds = new Map(workspaces(root).map((w) => [w.dir, w.kind]));
  return uses(root)
    .filter(({ from, target, to }) => {
      if (from === BINARY) return false;
      if (kinds.get(from) === 'bench' && to.kind === 'app') return !to.names.some((n) => n in benchRunsApps && (target === n || target.startsWith(`${n}/`)));
      if (to.kind === 'app' || to.kind === 'bench') return true;
      return from === 'packages/feeds' && to.dir === 'packages/db';
    })
    .map(({ file, target }) => `${file}: ${target}`);
}

describe('layering', () => {
  it('no app but the binary imports or depends on another app; no package on an app; bench on packages; feeds not on db', () => {
    expect(violations(ROOT, BENCH_RUNS_APPS)).toEqual([]);
  });

  it('every app bench still runs in-process is still used (the list only shrinks)', () => {
    const used = new Set(uses(ROOT).filter((u) => u.from === 'bench' && u.to.kind === 'app').flatMap((u) => u.to.names));
    expect(Object.keys(BENCH_RUNS_APPS).filter((name) => !used.has(name))).toEqual([]);
  });

  it('finds an app imported by name, by subpath, by a relative path or as a devDependency', () => {
    const root = join(tmpdir(), `cqt-layering-${process.pid}`);
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    try {
      write('apps/cqt/package.json', '{"name":"@cqt/cli","dependencies":{"@cqt/predict":"workspace:^"}}');
      write('apps/cqt/src/bin.ts', "import('@cqt/predict/command');");
      write('apps/predict/package.json', '{"name":"@cqt/predict"}');
      write('apps/predict/src/index.ts', "import { run } from './run.js';");
      write('apps/demo/package.json', '{"name":"@cqt/demo","devDependencies":{"@cqt/predict":"workspace:^"}}');
      write('apps/demo/src/index.ts', "import { run } from '@cqt/predict';\nexport { register } from '@cqt/predict/command';");
      write('apps/demo/src/__tests__/demo.test.ts', "import { x } from '../../../predict/src/__tests__/support.js';");
      write('packages/feeds/package.json', '{"name":"@cqt/feeds"}');
      write('packages/feeds/src/index.ts', "import type { Db } from '@cqt/db';\nconst m = await import('@cqt/demo');");
      write('packages/db/package.json', '{"name":"@cqt/db"}');
      write('packages/db/src/index.ts', '');
      write('bench/package.json', '{"name":"@cqt/bench"}');
      write('bench/src/run.ts', "import { run } from '@cqt/predict';\nimport { openDb } from '@cqt/db';");
      expect(violations(root).sort()).toEqual([
        'apps/demo/package.json: @cqt/predict',
        'apps/demo/src/__tests__/demo.test.ts: ../../../predict/src/__tests__/support.js',
        'apps/demo/src/index.ts: @cqt/predict',
        'apps/demo/src/index.ts: @cqt/predict/command',
        'bench/src/run.ts: @cqt/predict',
        'packages/feeds/src/index.ts: @cqt/db',
        'packages/feeds/src/index.ts: @cqt/demo',
      ]);
      expect(violations(root, { '@cqt/predict': 'timed' })).not.toContain('bench/src/run.ts: @cqt/predict');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
