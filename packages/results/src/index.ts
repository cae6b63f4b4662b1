// Backtest results in object storage (CQT_RESULTS_URL): each run's files plus a manifest with the
// size and sha256 of each, under runs/<runId>/. Every object is checked after it is written (size,
// and the ETag when it is a plain MD5, else the bytes read back and hashed); the manifest goes last,
// so a run with a manifest is complete. The manifest is also the index: no table holds results.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { md5Of, openObjectStore, sha256Of, type ObjectStore } from './objects.js';

export { BucketStore, FolderStore, openObjectStore, s3ClientConfig, type ObjectHead, type ObjectStore } from './objects.js';

/** The files of one run, as `cqt backtest run --out` writes them. */
export const RUN_FILES = ['trades.parquet', 'equity.parquet', 'summary.json'] as const;
export const MANIFEST = 'manifest.json';

export interface ManifestFile {
  name: string;
  size: number;
  sha256: string;
}

export interface Manifest {
  version: 1;
  runId: number;
  /** The job that produced it (null for a run published by hand). */
  jobId: string | null;
  createdAt: string;
  files: ManifestFile[];
}

/** A stored object that is not what was written, or not what the manifest says. */
export class IntegrityError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = 'IntegrityError';
  }
}

export const runDir = (runId: number) => `runs/${runId}`;
const keyOf = (runId: number, name: string) => `${runDir(runId)}/${name}`;

/** Opens CQT_RESULTS_URL's store; throws on a URL it cannot read (config validates it first). */
export function openResults(url: string, env: NodeJS.ProcessEnv = process.env): ObjectStore {
  const store = openObjectStore(url, env);
  if (!store) throw new Error(`CQT_RESULTS_URL ${JSON.stringify(url)} is neither file:///… nor s3://bucket[/prefix]`);
  return store;
}

/** Writes one object and proves the store holds exactly those bytes. */
async function putChecked(store: ObjectStore, key: string, bytes: Buffer): Promise<ManifestFile> {
  const md5 = md5Of(bytes);
  const sha256 = sha256Of(bytes);
  await store.put(key, bytes, { md5, sha256 });
  const head = await store.head(key);
  const name = key.slice(key.lastIndexOf('/') + 1);
  const fail = (what: string) => new IntegrityError(`${key}: ${what} after upload to ${store.where}`, name);
  if (!head) throw fail('missing');
  if (head.size !== bytes.length) throw fail(`size ${head.size}, expected ${bytes.length}`);
  if (head.sha256 !== null && head.sha256 !== sha256) throw fail('sha256 metadata differs');
  if (head.md5 !== null) {
    if (head.md5 !== md5.toString('hex')) throw fail(`ETag ${head.md5}, expected MD5 ${md5.toString('hex')}`);
  } else {
    // No MD5 ETag (a folder, a multipart or encrypted object): only the bytes themselves prove it.
    const back = await store.get(key);
    if (!back || sha256Of(back) !== sha256) throw fail('content read back differs');
  }
  return { name, size: bytes.length, sha256 };
}

export interface PublishInput {
  runId: number;
  jobId: string | null;
  /** The folder holding RUN_FILES (`run --out`). */
  dir: string;
}

/** Uploads a run's files, each checked, then its manifest. Throws IntegrityError on any mismatch. */
export async function publishRun(store: ObjectStore, input: PublishInput, nowMs = Date.now()): Promise<Manifest> {
  const files: ManifestFile[] = [];
  for (const name of RUN_FILES) files.push(await putChecked(store, keyOf(input.runId, name), await readFile(join(input.dir, name))));
  const manifest: Manifest = { version: 1, runId: input.runId, jobId: input.jobId, createdAt: new Date(nowMs).toISOString(), files };
  await putChecked(store, keyOf(input.runId, MANIFEST), Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
  return manifest;
}

export async function readManifest(store: ObjectStore, runId: number): Promise<Manifest | null> {
  const bytes = await store.get(keyOf(runId, MANIFEST));
  if (!bytes) return null;
  const m = JSON.parse(bytes.toString('utf8')) as Manifest;
  if (m.version !== 1 || m.runId !== runId || !Array.isArray(m.files)) throw new IntegrityError(`${keyOf(runId, MANIFEST)} is not a cqt results manifest for run ${runId}`, MANIFEST);
  return m;
}

export interface FileCheck extends ManifestFile {
  /** null when the object matches the manifest. */
  problem: string | null;
}

/** One object against its manifest entry: read back whole and hashed (an ETag is not trusted here). */
function check(entry: ManifestFile, bytes: Buffer | null): FileCheck {
  let problem: string | null = null;
  if (!bytes) problem = 'missing';
  else if (bytes.length !== entry.size) problem = `size ${bytes.length}, manifest says ${entry.size}`;
  else if (sha256Of(bytes) !== entry.sha256) problem = `sha256 ${sha256Of(bytes)}, manifest says ${entry.sha256}`;
  return { ...entry, problem };
}

export interface RunCheck {
  runId: number;
  ok: boolean;
  files: FileCheck[];
}

/** Re-hashes every object of a run against its manifest; null when the run has no manifest. */
export async function verifyRun(store: ObjectStore, runId: number): Promise<RunCheck | null> {
  const manifest = await readManifest(store, runId);
  if (!manifest) return null;
  const files: FileCheck[] = [];
  for (const f of manifest.files) files.push(check(f, await store.get(keyOf(runId, f.name))));
  return { runId, ok: files.every((f) => f.problem === null), files };
}

/** A run's files (and manifest), each checked against the manifest before it is returned. */
export async function fetchRun(store: ObjectStore, runId: number): Promise<{ manifest: Manifest; files: Map<string, Buffer> } | null> {
  const manifest = await readManifest(store, runId);
  if (!manifest) return null;
  const files = new Map<string, Buffer>();
  for (const f of manifest.files) {
    const bytes = await store.get(keyOf(runId, f.name));
    const c = check(f, bytes);
    if (c.problem) throw new IntegrityError(`${f.name} of run ${runId}: ${c.problem}`, f.name);
    files.set(f.name, bytes!);
  }
  return { manifest, files };
}

export interface StoredRun {
  runId: number;
  /** False: objects without a manifest (an upload that did not finish). */
  complete: boolean;
  jobId: string | null;
  /** The manifest's time; for an incomplete run, its newest object's. */
  createdMs: number;
  bytes: number;
  objects: string[];
}

/** Every run under runs/, complete or not, by run id. */
export async function listRuns(store: ObjectStore): Promise<StoredRun[]> {
  const ids = (await store.children('runs')).filter((n) => /^\d+$/.test(n)).map(Number);
  const runs: StoredRun[] = [];
  for (const runId of ids.sort((a, b) => a - b)) {
    const objects = await store.children(runDir(runId));
    if (!objects.length) continue;
    const manifest = objects.includes(MANIFEST) ? await readManifest(store, runId) : null;
    if (manifest) {
      runs.push({ runId, complete: true, jobId: manifest.jobId, createdMs: Date.parse(manifest.createdAt), bytes: manifest.files.reduce((s, f) => s + f.size, 0), objects });
      continue;
    }
    const heads = await Promise.all(objects.map((o) => store.head(keyOf(runId, o))));
    runs.push({
      runId,
      complete: false,
      jobId: null,
      createdMs: Math.max(0, ...heads.map((h) => h?.modifiedMs ?? 0)),
      bytes: heads.reduce((s, h) => s + (h?.size ?? 0), 0),
      objects,
    });
  }
  return runs;
}

/** Removes a run: the manifest first, so a run half deleted never looks complete. */
export async function deleteRun(store: ObjectStore, runId: number): Promise<void> {
  const objects = await store.children(runDir(runId));
  for (const name of [...objects.filter((o) => o === MANIFEST), ...objects.filter((o) => o !== MANIFEST)]) await store.delete(keyOf(runId, name));
}

/** Whether a run's manifest (and so the whole run) is stored. */
export async function isPublished(store: ObjectStore, runId: number): Promise<boolean> {
  return (await store.head(keyOf(runId, MANIFEST))) !== null;
}
