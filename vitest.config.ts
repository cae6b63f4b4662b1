import { readdirSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// Tests import workspace packages from source, so `vitest run` needs no build for unit tests.
const alias: Record<string, string> = {};
for (const dir of ['packages']) {
  for (const name of readdirSync(resolve(__dirname, dir))) {
    const entry = resolve(__dirname, dir, name, 'src/index.ts');
    if (existsSync(entry)) alias[`@cqt/${name}`] = entry;
  }
}

export default defineConfig({
  resolve: { alias },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'bench/src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Timestamps must not depend on the host zone (field lesson 8): run under a non-UTC zone.
    env: { TZ: 'Asia/Seoul' },
    pool: 'forks',
    reporters: ['default'],
  },
});
