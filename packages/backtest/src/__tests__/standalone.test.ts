// The engine package is pure and standalone (decision 95): its source imports only itself and
// node: built-ins, and it declares no runtime dependency, so loading it (a sweep worker, a bench
// child, a reader of stored runs) costs no configuration or CLI start-up.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..');
const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === '__tests__') return [];
    const path = join(dir, e.name);
    return e.isDirectory() ? sources(path) : e.name.endsWith('.ts') ? [path] : [];
  });
}

describe('@cqt/backtest is standalone', () => {
  it('imports nothing but its own modules and node: built-ins', () => {
    const files = sources(SRC);
    expect(files.length).toBeGreaterThan(10);
    const outside = files.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => m[1]).filter((s) => !s.startsWith('.') && !s.startsWith('node:')).map((s) => `${file.slice(SRC.length + 1)}: ${s}`),
    );
    expect(outside).toEqual([]);
  });

  it('declares no runtime dependency', () => {
    const manifest = JSON.parse(readFileSync(join(SRC, '..', 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    expect(Object.keys(manifest.dependencies ?? {})).toEqual([]);
  });
});
