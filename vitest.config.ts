import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// Tests import workspace packages from source, so `vitest run` needs no build for unit tests:
// `@cqt/<dir>` → <dir>/src/index.ts and `@cqt/<dir>/command` → <dir>/src/command.ts.
const alias: Array<{ find: RegExp; replacement: string }> = [];
for (const group of ['packages', 'apps']) {
  for (const name of readdirSync(resolve(__dirname, group))) {
    const src = resolve(__dirname, group, name, 'src');
    if (existsSync(resolve(src, 'index.ts'))) alias.push({ find: new RegExp(`^@cqt/${name}$`), replacement: resolve(src, 'index.ts') });
    if (existsSync(resolve(src, 'command.ts'))) alias.push({ find: new RegExp(`^@cqt/${name}/command$`), replacement: resolve(src, 'command.ts') });
  }
}

// Test helpers: `@cqt/test-support/<module>` → packages/test-support/src/<module>.ts.
alias.push({ find: /^@cqt\/test-support\/(.+)$/, replacement: resolve(__dirname, 'packages/test-support/src/$1.ts') });

export default defineConfig({
  resolve: { alias },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'bench/src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Timestamps must not depend on the host zone (a local-time conversion would shift data by the
    // host's offset): run under a non-UTC zone (docs/decisions.md, decision 9).
    env: { TZ: 'Asia/Seoul' },
    pool: 'forks',
    reporters: ['default'],
  },
});
