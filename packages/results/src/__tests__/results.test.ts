// Publishing, listing, checking and deleting runs against a real S3-compatible server (s3rver on
// loopback; faults from a TCP proxy in front of it) and against a folder (file://).
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@cqt/test-support/tmp';
import { deleteRun, fetchRun, IntegrityError, isPublished, listRuns, openResults, publishRun, RUN_FILES, s3ClientConfig, verifyRun, type ObjectStore } from '../index.js';
import { BUCKET, s3Env, startProxy, startS3, type FaultProxy, type S3Server } from './s3.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A folder with the three run files (random bytes: the store does not read them). */
function runFiles(sizes = [40_000, 90_000, 600]) {
  const dir = tempDir('cqt-run-');
  const files = new Map<string, Buffer>();
  RUN_FILES.forEach((name, i) => {
    const bytes = randomBytes(sizes[i]);
    writeFileSync(join(dir.path, name), bytes);
    files.set(name, bytes);
  });
  return { dir, files };
}

const rejection = async (p: Promise<unknown>): Promise<Error> => {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
};

describe.each(['s3', 'file'] as const)('results storage [%s]', (kind) => {
  let s3: S3Server | null = null;
  let folder: ReturnType<typeof tempDir> | null = null;
  let store: ObjectStore;
  const src = runFiles();
  /** Overwrites one byte of a stored object without telling the server. */
  let corrupt: (key: string) => void;

  beforeAll(async () => {
    if (kind === 's3') {
      s3 = await startS3();
      store = openResults(`s3://${BUCKET}/team-a/`, s3.env);
      corrupt = (key) => {
        const path = s3!.objectPath(`team-a/${key}`);
        const bytes = readFileSync(path);
        bytes[100] ^= 0xff;
        writeFileSync(path, bytes);
      };
    } else {
      folder = tempDir('cqt-results-');
      store = openResults(`file://${folder.path}`);
      corrupt = (key) => {
        const path = join(folder!.path, key);
        const bytes = readFileSync(path);
        bytes[100] ^= 0xff;
        writeFileSync(path, bytes);
      };
    }
  });
  afterAll(async () => {
    store?.close();
    await s3?.close();
    folder?.remove();
    src.dir.remove();
  });

  it('publishes the files and a manifest (size, sha256 of each), which verify and fetch accept', async () => {
    const manifest = await publishRun(store, { runId: 7, jobId: 'job-7', dir: src.dir.path }, Date.UTC(2026, 11, 1));
    expect(manifest).toEqual({
      version: 1,
      runId: 7,
      jobId: 'job-7',
      createdAt: '2026-12-01T00:00:00.000Z',
      files: RUN_FILES.map((name) => ({ name, size: src.files.get(name)!.length, sha256: sha256(src.files.get(name)!) })),
    });
    expect(await isPublished(store, 7)).toBe(true);
    expect(await isPublished(store, 8)).toBe(false);
    const check = await verifyRun(store, 7);
    expect(check?.ok).toBe(true);
    expect(check?.files.map((f) => f.problem)).toEqual([null, null, null]);
    const fetched = await fetchRun(store, 7);
    for (const name of RUN_FILES) expect(fetched!.files.get(name)!.equals(src.files.get(name)!)).toBe(true);
    const [listed] = await listRuns(store);
    expect(listed).toMatchObject({ runId: 7, complete: true, jobId: 'job-7', bytes: 40_000 + 90_000 + 600 });
    expect(listed.objects).toEqual(['equity.parquet', 'manifest.json', 'summary.json', 'trades.parquet']);
    if (kind === 's3') expect((await store.head('runs/7/trades.parquet'))?.sha256).toBe(sha256(src.files.get('trades.parquet')!));
  });

  it('a corrupted object (bytes changed behind the store) fails verify and fetch, naming the file', async () => {
    await publishRun(store, { runId: 9, jobId: null, dir: src.dir.path });
    corrupt('runs/9/equity.parquet');
    const check = await verifyRun(store, 9);
    expect(check?.ok).toBe(false);
    expect(check?.files.filter((f) => f.problem).map((f) => [f.name, f.problem?.slice(0, 7)])).toEqual([['equity.parquet', 'sha256 ']]);
    const err = await rejection(fetchRun(store, 9));
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as IntegrityError).file).toBe('equity.parquet');
    expect(await verifyRun(store, 404)).toBeNull();
  });

  it('deleting a run removes its manifest and files', async () => {
    await deleteRun(store, 9);
    expect((await listRuns(store)).map((r) => r.runId)).toEqual([7]);
    expect(await store.children('runs/9')).toEqual([]);
  });
});

describe('results storage through a faulty network [s3]', () => {
  let s3: S3Server;
  let proxy: FaultProxy;
  let store: ObjectStore;
  const src = runFiles();

  beforeAll(async () => {
    s3 = await startS3();
    proxy = await startProxy(s3.endpoint);
    // One try per request: the SDK's own retries would hide the single fault.
    store = openResults(`s3://${BUCKET}`, { ...s3Env(proxy.endpoint), AWS_MAX_ATTEMPTS: '1' });
  });
  afterAll(async () => {
    store?.close();
    await proxy?.close();
    await s3?.close();
    src.dir.remove();
  });

  it('an upload cut mid-way fails, leaves no manifest (listed incomplete), and a second publish completes it', async () => {
    proxy.arm({ kind: 'cut', match: '/runs/3/equity.parquet' });
    await rejection(publishRun(store, { runId: 3, jobId: 'j', dir: src.dir.path }));
    expect(proxy.applied).toBe(1);
    expect(await isPublished(store, 3)).toBe(false);
    expect((await listRuns(store)).map((r) => [r.runId, r.complete])).toEqual([[3, false]]);
    await publishRun(store, { runId: 3, jobId: 'j', dir: src.dir.path });
    expect((await verifyRun(store, 3))?.ok).toBe(true);
    expect((await listRuns(store)).map((r) => [r.runId, r.complete])).toEqual([[3, true]]);
  });

  it('a server that stores other bytes than were sent is caught by the ETag check', async () => {
    proxy.arm({ kind: 'flip', match: '/runs/4/summary.json' });
    const err = await rejection(publishRun(store, { runId: 4, jobId: 'j', dir: src.dir.path }));
    expect(proxy.applied).toBe(2);
    expect(err).toBeInstanceOf(IntegrityError);
    expect(err.message).toMatch(/^runs\/4\/summary\.json: ETag [0-9a-f]{32}, expected MD5 [0-9a-f]{32} after upload to s3:\/\/cqt-results at http:\/\/127\.0\.0\.1:\d+$/);
    expect(await isPublished(store, 4)).toBe(false);
  });
});

describe('S3 client settings from the AWS variables', () => {
  it('an endpoint means path-style; the SDK checksums are only sent when an operation requires them', () => {
    const env = { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000', AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AK', AWS_SECRET_ACCESS_KEY: 'SK', AWS_MAX_ATTEMPTS: '5' };
    expect(s3ClientConfig(env)).toEqual({
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' },
      maxAttempts: 5,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    // AWS itself: virtual-hosted style, the default credential chain, us-east-1 unless told.
    expect(s3ClientConfig({})).toEqual({ region: 'us-east-1', requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    expect(s3ClientConfig({ AWS_ENDPOINT_URL: 'http://h:1', AWS_DEFAULT_REGION: 'ap-northeast-2' })).toMatchObject({ endpoint: 'http://h:1', forcePathStyle: true, region: 'ap-northeast-2' });
  });

  it('refuses a URL that is neither file:/// nor s3://bucket', () => {
    expect(() => openResults('http://example.com/x')).toThrow(/neither file:\/\/\/… nor s3:\/\/bucket/);
  });
});
