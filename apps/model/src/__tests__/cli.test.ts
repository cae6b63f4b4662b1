// `cqt model` through the built binary (on PostgreSQL; the registry itself is tested on both backends
// in registry.test.ts): a failing gate exits 1 with its figures and changes nothing.
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ARTIFACT_FORMAT, CODE_VERSION, crossValidate, fitModel, readDatasetFile, sealArtifact, writeArtifact } from '@cqt/models';
import { runCqt } from '@cqt/test-support/cqt';
import { createTestDatabase, type TestDatabase } from '@cqt/test-support/pg';
import { tempDir } from '@cqt/test-support/tmp';
import { writeDatasetFixture } from '../../../../packages/models/src/__tests__/datasetFixture.js';
import { list, register } from '../index.js';

const dir = tempDir('cqt-model-cli-');
let pg: TestDatabase;
const env: Record<string, string> = {};
let artifactPath = '';
const gate = join(dir.path, 'gate.parquet');

beforeAll(async () => {
  pg = await createTestDatabase();
  env.DATABASE_URL = pg.url;
  const train = join(dir.path, 'noise.parquet');
  await writeDatasetFixture(train, { rows: 600, seed: 21, signal: 0 });
  await writeDatasetFixture(gate, { rows: 600, seed: 22, startMs: Date.UTC(2026, 10, 24) });
  const { data, horizonSec } = await readDatasetFile(train);
  const params = fitModel('logreg', data);
  artifactPath = writeArtifact(
    join(dir.path, 'models'),
    sealArtifact({
      format: ARTIFACT_FORMAT,
      kind: 'logreg',
      params,
      features: params.kind === 'logreg' ? params.features : [],
      schemaHash: 'test',
      horizonSec,
      training: { fromTs: new Date(data.t0Ms[0]).toISOString(), toTs: new Date(data.t0Ms[data.rows - 1]).toISOString(), labelsToTs: new Date(data.labelTsMs[data.rows - 1]).toISOString(), rows: data.rows, labels: { UP: 0, DOWN: 0, NONE: 0 }, source: 'test' },
      validation: crossValidate(data, { scheme: 'walk-forward', folds: 2, embargoSec: 0 }, 'logreg'),
      codeVersion: CODE_VERSION,
    }),
  );
});
afterAll(async () => {
  await pg?.drop();
  dir.remove();
});

it('a champion promotion the gate refuses (too few rows): exit 1, the figures, no alias', async () => {
  const { version } = await register(artifactPath, { databaseUrl: pg.url, env: {} });
  const res = runCqt(['model', 'promote', String(version), '--to', 'champion', '--dataset', gate, '--min-samples', '1000'], env);
  expect(res.code).toBe(1);
  expect(res.stdout).toMatch(/FAIL\s+samples\s+600 matured rows \(need ≥ 1000\)/);
  expect(res.stdout).toMatch(/not promoted: the gate failed; champion stays unset/);
  expect((await list({ databaseUrl: pg.url, env: {} }))[0].aliases).toEqual([]);
}, 120_000);

it('a bad version: exit 2, one line', () => {
  const bad = runCqt(['model', 'promote', 'x1', '--to', 'champion'], env);
  expect(bad.code).toBe(2);
  expect(bad.stderr.trim().split('\n')).toHaveLength(2);
  expect(bad.stderr.trim().split('\n')[0]).toMatch(/invalid version "x1"/);
});
