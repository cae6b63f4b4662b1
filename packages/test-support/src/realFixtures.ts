// Locates ../shared/fixtures/real (or CQT_REAL_FIXTURES) for tests that replay real recordings.
// Missing folder: the suite reports itself skipped with the reason; under CI=true it fails instead,
// so CI always replays the recordings.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export function realFixturesDir(): string {
  return process.env.CQT_REAL_FIXTURES ?? resolve(repoRoot, '..', 'shared', 'fixtures', 'real');
}

export function hasRealFixtures(): boolean {
  return existsSync(resolve(realFixturesDir(), 'SOURCES.md'));
}

/** describe() over the real recordings: skipped with a reason locally, a failure under CI. */
export function describeReal(name: string, body: (dir: string) => void): void {
  const dir = realFixturesDir();
  if (hasRealFixtures()) {
    describe(name, () => body(dir));
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs the real recordings', () => {
        throw new Error(`real fixtures missing at ${dir}: CI must replay them (set CQT_REAL_FIXTURES)`);
      });
    });
  } else {
    describe.skip(`${name} — skipped: real fixtures missing at ${dir} (set CQT_REAL_FIXTURES)`, () => {
      it('replays real recordings', () => {});
    });
  }
}
