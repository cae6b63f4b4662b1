// The artifact `cqt train` writes and the registry stores: one JSON object with the model kind,
// its parameters, the feature list and a hash of that schema, the training range, the fold
// metrics, the code version and its own sha256 — the hash of the canonical JSON (keys sorted,
// no whitespace) of everything else. Nothing in it depends on when it was written, so the same
// dataset and settings give the same bytes and the same sha256.
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadParams, type CvReport, type ModelParams } from './classifier.js';

export const ARTIFACT_FORMAT = 'cqt-model-artifact/1';
/** Bumped whenever the maths behind fitting or predicting change (logreg, baseline wrapper, metrics). */
export const CODE_VERSION = '@cqt/models 0.1.0 (logreg-lbfgs 1, brownian 1)';

export interface TrainingRange {
  /** First and last t0 of the training rows (ISO 8601), their count and class counts. */
  fromTs: string;
  toTs: string;
  /** Last label_ts: no row after it was seen, even through a label. */
  labelsToTs: string;
  rows: number;
  labels: { UP: number; DOWN: number; NONE: number };
  /** Where the rows came from (file name or store range), for the reader. */
  source: string;
}

export interface ArtifactBody {
  format: typeof ARTIFACT_FORMAT;
  kind: ModelParams['kind'];
  params: ModelParams;
  /** Columns the model reads, in order, and the sha256 of `name:type` lines of them. */
  features: string[];
  schemaHash: string;
  horizonSec: number;
  training: TrainingRange;
  validation: CvReport;
  codeVersion: string;
}

export interface Artifact extends ArtifactBody {
  sha256: string;
}

/** JSON with object keys sorted at every level (arrays keep their order). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The schema a model expects: its feature columns, all read as DOUBLE. */
export function schemaHash(features: readonly string[]): string {
  return sha256Hex(features.map((f) => `${f}:DOUBLE`).join('\n'));
}

export function sealArtifact(body: ArtifactBody): Artifact {
  const { sha256: _drop, ...rest } = body as ArtifactBody & { sha256?: string };
  return { ...rest, sha256: sha256Hex(canonicalJson(rest)) };
}

/** A parsed artifact, its hash and parameters checked (throws RangeError naming the problem). */
export function verifyArtifact(value: unknown): Artifact {
  const a = value as Partial<Artifact> | null;
  if (a?.format !== ARTIFACT_FORMAT) throw new RangeError(`not a cqt model artifact (format ${JSON.stringify(a?.format)}, expected ${ARTIFACT_FORMAT})`);
  const { sha256, ...body } = a as Artifact;
  const actual = sha256Hex(canonicalJson(body));
  if (sha256 !== actual) throw new RangeError(`artifact sha256 mismatch: it says ${String(sha256).slice(0, 12)}…, its content hashes to ${actual.slice(0, 12)}…`);
  loadParams(a.params);
  return a as Artifact;
}

/** Writes `<dir>/model-<kind>-<sha12>.json` through a temporary file and a rename; returns its path. */
export function writeArtifact(dir: string, artifact: Artifact): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `model-${artifact.kind}-${artifact.sha256.slice(0, 12)}.json`);
  const tmp = join(dir, `.${artifact.sha256.slice(0, 12)}.tmp-${process.pid}`);
  try {
    writeFileSync(tmp, `${JSON.stringify(artifact, null, 2)}\n`);
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
  return path;
}
