// The registry on both backends: register, promote to shadow, the champion gate blocking and
// allowing on constructed data, --force --reason, rollback, and the append-only history.
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CqtError } from '@cqt/config';
import {
  ARTIFACT_FORMAT,
  CODE_VERSION,
  classCounts,
  crossValidate,
  fitModel,
  modelFeatures,
  readDatasetFile,
  schemaHash,
  sealArtifact,
  writeArtifact,
  type Artifact,
  type ModelKind,
} from '@cqt/models';
import { describeBackends } from '@cqt/test-support/backends';
import { tempDir } from '@cqt/test-support/tmp';
import { writeDatasetFixture } from '../../../../packages/models/src/__tests__/datasetFixture.js';
import { aliasHistory, compare, list, promote, register, rollback } from '../index.js';

const dir = tempDir('cqt-model-');
const HOUR = 3600_000;
const DAY0 = Date.UTC(2026, 10, 23);
const files = {
  signal: join(dir.path, 'signal.parquet'),
  noise: join(dir.path, 'noise.parquet'),
  gate: join(dir.path, 'gate.parquet'),
  gateFew: join(dir.path, 'gate-few.parquet'),
};
const artifacts: Record<string, string> = {};

/** What cqt train does, from the package functions (apps do not import apps). */
async function trainArtifact(file: string, kind: ModelKind, name: string): Promise<string> {
  const { data, horizonSec } = await readDatasetFile(file);
  const params = fitModel(kind, data);
  const counts = classCounts(data.y);
  const artifact: Artifact = sealArtifact({
    format: ARTIFACT_FORMAT,
    kind,
    params,
    features: modelFeatures(params),
    schemaHash: schemaHash(modelFeatures(params)),
    horizonSec,
    training: {
      fromTs: new Date(data.t0Ms[0]).toISOString(),
      toTs: new Date(data.t0Ms[data.rows - 1]).toISOString(),
      labelsToTs: new Date(data.labelTsMs[data.rows - 1]).toISOString(),
      rows: data.rows,
      labels: { UP: counts[0], DOWN: counts[1], NONE: counts[2] },
      source: name,
    },
    validation: crossValidate(data, { scheme: 'walk-forward', folds: 2, embargoSec: 0 }, kind),
    codeVersion: CODE_VERSION,
  });
  return writeArtifact(join(dir.path, name), artifact);
}

beforeAll(async () => {
  // Training: 2 h of rows from DAY0 with a real signal, and the same span of pure noise.
  await writeDatasetFixture(files.signal, { rows: 1400, seed: 11, startMs: DAY0 });
  await writeDatasetFixture(files.noise, { rows: 1400, seed: 12, startMs: DAY0, signal: 0 });
  // Matured rows after both training ranges: 4 h later.
  await writeDatasetFixture(files.gate, { rows: 1200, seed: 13, startMs: DAY0 + 4 * HOUR });
  await writeDatasetFixture(files.gateFew, { rows: 100, seed: 14, startMs: DAY0 + 4 * HOUR });
  artifacts.good = await trainArtifact(files.signal, 'logreg', 'good');
  artifacts.noise = await trainArtifact(files.noise, 'logreg', 'noise');
  artifacts.baseline = await trainArtifact(files.signal, 'baseline', 'baseline');
}, 120_000);
afterAll(() => dir.remove());

const RULES = { minSamples: 500, logLossMargin: 0.002, maxEce: 0.1 };

describeBackends('model registry', ({ db }) => {
  const store = () => ({ db: db() });
  const versions: Record<string, number> = {};

  it('registers artifacts once each (same sha256, same version)', async () => {
    for (const name of ['good', 'noise', 'baseline']) versions[name] = (await register(artifacts[name], store())).version;
    const again = await register(artifacts.good, store());
    expect(again).toMatchObject({ version: versions.good, created: false });
    expect((await list(store())).map((v) => v.version)).toEqual([versions.good, versions.noise, versions.baseline]);
  });

  it('promotes to shadow without a gate', async () => {
    const r = await promote(versions.noise, { ...store(), to: 'shadow', reason: 'watch it' });
    expect(r).toMatchObject({ promoted: true, from: null, gate: null });
    expect((await list(store())).find((v) => v.version === versions.noise)!.aliases).toEqual(['shadow']);
  });

  it('the champion gate needs matured rows, and --force needs a reason', async () => {
    await expect(promote(versions.good, { ...store(), to: 'champion' })).rejects.toThrow(/needs matured rows/);
    await expect(promote(versions.good, { ...store(), to: 'champion', force: true })).rejects.toThrow(/--force needs --reason/);
  });

  it('blocks a first champion on too few rows, then allows it against the baseline on enough', async () => {
    const few = await promote(versions.good, { ...store(), to: 'champion', dataset: files.gateFew, ...RULES });
    expect(few.promoted).toBe(false);
    expect(few.gate!.checks.find((c) => c.name === 'samples')).toMatchObject({ pass: false, observed: 100, threshold: 500 });
    const ok = await promote(versions.good, { ...store(), to: 'champion', dataset: files.gate, ...RULES });
    expect(ok.gate!.checks.map((c) => [c.name, c.pass])).toEqual([['samples', true], ['log_loss', true], ['calibration', true]]);
    expect(ok).toMatchObject({ promoted: true, from: null, forced: false });
    expect(ok.gate!.rows).toBe(1200);
  });

  it('blocks a worse candidate with the figures, and nothing changes', async () => {
    const before = await aliasHistory(store());
    const r = await promote(versions.noise, { ...store(), to: 'champion', dataset: files.gate, ...RULES });
    expect(r.promoted).toBe(false);
    const logLoss = r.gate!.checks.find((c) => c.name === 'log_loss')!;
    expect(logLoss.pass).toBe(false);
    expect(logLoss.observed).toBeLessThan(0);
    expect(logLoss.observed).toBeCloseTo(r.gate!.incumbent!.logLoss - r.gate!.candidate!.logLoss, 12);
    expect(await aliasHistory(store())).toEqual(before);
    expect((await list(store())).find((v) => v.aliases.includes('champion'))!.version).toBe(versions.good);
  });

  it('--force --reason overrides the gate and is recorded with its figures', async () => {
    const r = await promote(versions.baseline, { ...store(), to: 'champion', dataset: files.gate, ...RULES, force: true, reason: 'drill: baseline as champion' });
    expect(r.gate!.pass).toBe(false);
    expect(r).toMatchObject({ promoted: true, forced: true, from: versions.good });
    const last = (await aliasHistory(store())).at(-1)!;
    expect(last).toMatchObject({ alias: 'champion', fromVersion: versions.good, toVersion: versions.baseline, action: 'promote', forced: true, reason: 'drill: baseline as champion' });
    expect((last.gate as { checks: unknown[] }).checks).toHaveLength(3);
  });

  it('rollback re-points the champion to its predecessor in one step, then walks further back', async () => {
    const r = await rollback({ ...store(), reason: 'drill over' });
    expect(r).toMatchObject({ from: versions.baseline, to: versions.good });
    expect((await list(store())).find((v) => v.aliases.includes('champion'))!.version).toBe(versions.good);
    // good was the first champion: nothing before it.
    const err = await rollback(store()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CqtError);
    expect((err as Error).message).toMatch(/no predecessor/);
    const history = await aliasHistory(store());
    expect(history.map((h) => [h.alias, h.fromVersion, h.toVersion, h.action])).toEqual([
      ['shadow', null, versions.noise, 'promote'],
      ['champion', null, versions.good, 'promote'],
      ['champion', versions.good, versions.baseline, 'promote'],
      ['champion', versions.baseline, versions.good, 'rollback'],
    ]);
  });

  it('compare: champion vs shadow on the snapshots both predicted whose labels are known', async () => {
    // Champion (good) and shadow (noise) predictions for the first 200 gate rows; the shadow says 1/3 each.
    const { data } = await readDatasetFile(files.gate, { features: [] });
    const n = 200;
    const ts = Array.from({ length: n }, (_, i) => new Date(data.t0Ms[i]).toISOString());
    const insert = (version: number, role: string, p: (i: number) => number[]) => db().sql`
      insert into model_predictions (symbol, ts, horizon_sec, model_version, role, p_up, p_down, p_none, latency_ms)
      select 'KRW-BTC', u.ts::timestamptz, 120, ${version}, ${role}, u.a::float8, u.b::float8, u.c::float8, 0.1
      from unnest(${ts}::text[], ${ts.map((_, i) => String(p(i)[0]))}::text[], ${ts.map((_, i) => String(p(i)[1]))}::text[], ${ts.map((_, i) => String(p(i)[2]))}::text[]) as u(ts, a, b, c)`;
    await insert(versions.good, 'champion', (i) => [0, 1, 2].map((k) => (k === data.y[i] ? 0.6 : 0.2)));
    await insert(versions.noise, 'shadow', () => [1 / 3, 1 / 3, 1 / 3]);
    const r = await compare({ ...store(), dataset: files.gate, windowSec: 86_400, asOfMs: data.t0Ms[n - 1] + 120_000 });
    expect(r.rows).toBe(n);
    expect(r.champion!.scores.logLoss).toBeCloseTo(-Math.log(0.6), 12);
    expect(r.shadow!.scores.logLoss).toBeCloseTo(Math.log(3), 12);
    expect(r.champion!.scores.accuracy).toBe(1);
    const bin = r.champion!.calibration.find((b) => b.rows > 0)!;
    expect(bin).toMatchObject({ from: 0.6, rows: n, hitRate: 1 });
    expect(bin.confidence).toBeCloseTo(0.6, 12);
    // Only matured rows: an as-of before the last label drops the rows whose horizon has not passed.
    const early = await compare({ ...store(), dataset: files.gate, windowSec: 86_400, asOfMs: data.t0Ms[n - 1] + 60_000 });
    expect(early.rows).toBe(n - 12);
  });

  it('the alias history is append-only in the store itself', async () => {
    const sql = db().sql;
    await expect(sql`update model_alias_history set reason = 'rewritten'`).rejects.toThrow(/append-only/);
    await expect(sql`delete from model_alias_history`).rejects.toThrow(/append-only/);
    await expect(sql`truncate model_alias_history`).rejects.toThrow(/append-only/);
    expect((await aliasHistory(store())).every((h) => h.reason !== 'rewritten')).toBe(true);
    expect(await aliasHistory(store())).toHaveLength(4);
  });
});
