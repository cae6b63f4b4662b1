// `cqt --version` in the workspace: the root package.json's version and the commit git names at run
// time, or "dev" where git cannot say (the packed release has both stamped in: pack.test.ts).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { cqtBin } from '@cqt/test-support/cqt';
import { tempDir } from '@cqt/test-support/tmp';
import { gitCommit } from '../version.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const empty = tempDir('cqt-version-');
afterAll(() => empty.remove());

const cqtVersion = (flag: string, env: NodeJS.ProcessEnv = process.env) => spawnSync(process.execPath, [cqtBin, flag], { encoding: 'utf8', cwd: empty.path, env });

it('prints `cqt <version> (<commit>)` for --version and -V, from any folder', () => {
  // Asked of git here independently; a copy of the tree without .git says "dev" as well.
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  const commit = git.status === 0 ? git.stdout.trim() : 'dev';
  expect(gitCommit(ROOT) ?? 'dev').toBe(commit);
  for (const flag of ['--version', '-V']) {
    const res = cqtVersion(flag);
    expect([res.status, res.stdout, res.stderr]).toEqual([0, `cqt ${version} (${commit})\n`, '']);
  }
});

it('says "dev" for the commit when git is not there to ask', () => {
  const res = cqtVersion('--version', { ...process.env, PATH: empty.path });
  expect([res.status, res.stdout]).toEqual([0, `cqt ${version} (dev)\n`]);
});
