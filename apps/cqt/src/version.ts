// What `cqt --version` prints: `cqt <version> (<commit>)`. A packed release (scripts/pack.mjs) has
// both stamped in by the bundler; in the workspace the version is the root package.json's and the
// commit is asked of git only when --version runs ("dev" outside a git checkout).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Replaced with string literals by esbuild's `define` in the packed release; undeclared otherwise.
declare const __CQT_VERSION__: string | undefined;
declare const __CQT_COMMIT__: string | undefined;

export function versionText(): string {
  if (typeof __CQT_VERSION__ === 'string' && typeof __CQT_COMMIT__ === 'string') return `cqt ${__CQT_VERSION__} (${__CQT_COMMIT__})`;
  // The repo root, from apps/cqt/dist/ and apps/cqt/src/ alike.
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
  return `cqt ${version} (${gitCommit(root) ?? 'dev'})`;
}

/** The short hash of HEAD in `dir`, or null when git or the checkout is missing. */
export function gitCommit(dir: string): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null;
  } catch {
    return null;
  }
}
