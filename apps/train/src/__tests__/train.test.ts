// `cqt train` through the built binary on synthetic export-shaped Parquet files: the report, the
// artifact (sealed, same bytes twice), and one-line exit 2 for datasets it cannot use.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CqtError } from '@cqt/config';
import { verifyArtifact } from '@cqt/models';
import { runCqt } from '@cqt/test-support/cqt';
import { tempDir } from '@cqt/test-support/tmp';
import { writeDatasetFixture } from '../../../../packages/models/src/__tests__/datasetFixture.js';
import { run } from '../index.js';

const dir = tempDir('cqt-train-');
const good = join(dir.path, 'good.parquet');

beforeAll(async () => {
  await writeDatasetFixture(good, { rows: 2000, seed: 3 });
  await writeDatasetFixture(join(dir.path, 'no-label.parquet'), { rows: 50, drop: ['label'] });
  await writeDatasetFixture(join(dir.path, 'empty.parquet'), { rows: 0 });
  writeFileSync(join(dir.path, 'corrupt.parquet'), 'PAR1 this is not parquet at all PAR1');
});
afterAll(() => dir.remove());

describe('cqt train --dataset', () => {
  it('reports folds and overall figures against the baseline and writes a sealed artifact', () => {
    const res = runCqt(['train', '--dataset', good, '--out', join(dir.path, 'a'), '--json']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const result = JSON.parse(res.stdout);
    expect(result.kind).toBe('logreg');
    expect(result.rows).toBe(2000);
    expect(result.folds).toHaveLength(5);
    for (const fold of result.folds) expect(fold.model.rows).toBe(fold.baseline.rows);
    // The labels depend on ret_60s and book_imbalance: logreg beats the baseline out of fold.
    expect(result.overall.model.logLoss).toBeLessThan(result.overall.baseline.logLoss - 0.05);
    const artifact = verifyArtifact(JSON.parse(readFileSync(result.artifactPath, 'utf8')));
    expect(artifact.sha256).toBe(result.sha256);
    expect(artifact.features).toHaveLength(27);
    expect(artifact.training.rows).toBe(2000);
    expect(artifact.validation.folds).toEqual(result.folds);
    expect(artifact.horizonSec).toBe(120);
  });

  it('is deterministic: the same dataset gives the same artifact bytes', async () => {
    const one = await run({ dataset: good, out: join(dir.path, 'b1'), folds: 3 });
    const two = await run({ dataset: good, out: join(dir.path, 'b2'), folds: 3 });
    expect(one.sha256).toBe(two.sha256);
    expect(readFileSync(one.artifactPath, 'utf8')).toBe(readFileSync(two.artifactPath, 'utf8'));
    const other = await run({ dataset: good, out: join(dir.path, 'b3'), folds: 3, l2: 0.1 });
    expect(other.sha256).not.toBe(one.sha256);
  });

  it('trains the baseline as a model kind and prints a human report', () => {
    const res = runCqt(['train', '--dataset', good, '--out', join(dir.path, 'c'), '--model', 'baseline', '--folds', '2']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^trained baseline on 2000 rows/);
    expect(res.stdout).toMatch(/overall on \d+ out-of-fold rows/);
    expect(res.stdout).toMatch(/sha256 [0-9a-f]{64}/);
  });

  it.each([
    ['missing columns', 'no-label.parquet', /lacks column label/],
    ['no rows', 'empty.parquet', /has no labelled rows/],
    ['a corrupt file', 'corrupt.parquet', /cannot read .* as Parquet/],
    ['no file', 'absent.parquet', /no such dataset/],
  ])('%s → a usage error (exit 2) in one line', async (_what, name, message) => {
    const err = await run({ dataset: join(dir.path, name), out: join(dir.path, 'bad') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CqtError);
    expect((err as CqtError).exitCode).toBe(2);
    expect((err as CqtError).message).toMatch(message);
    expect((err as CqtError).message).not.toContain('\n');
  });

  it('a corrupt file through the binary: exit 2, one line, no stack', () => {
    const res = runCqt(['train', '--dataset', join(dir.path, 'corrupt.parquet'), '--out', join(dir.path, 'bad')]);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr.trim().split('\n')[0]).toMatch(/cannot read .*corrupt.parquet as Parquet/);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses --dataset with --last, and neither', async () => {
    expect(runCqt(['train', '--dataset', good, '--last', '7d']).code).toBe(2);
    await expect(run({ out: join(dir.path, 'x') })).rejects.toThrow(/exactly one of --dataset FILE and --last DUR/);
  });
});
