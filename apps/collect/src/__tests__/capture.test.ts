// --capture under disk trouble: a write error stops the capture, is recorded, and never stops the
// collection; a burst faster than the disk is dropped and counted instead of queued without bound.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, expect, it } from 'vitest';
import postgres from 'postgres';
import type { FakeExchange } from '@cqt/testkit';
import { startCqt } from '@cqt/test-support/cqt';
import { createTestDatabase, type TestDatabase } from '@cqt/test-support/pg';
import { tempDir } from '@cqt/test-support/tmp';
import { FrameCapture } from '../capture.js';
import { collectorEnv, fakeExchange, waitUntil } from './support.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function temp(prefix: string): string {
  const dir = tempDir(prefix);
  cleanups.push(() => dir.remove());
  return dir.path;
}

it('a capture file that cannot be written stops the capture, is recorded, and the collection goes on', async () => {
  const fx: FakeExchange = await fakeExchange({ seed: 5 });
  cleanups.push(() => fx.close());
  const pg: TestDatabase = await createTestDatabase();
  cleanups.push(() => pg.drop());
  const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
  cleanups.push(() => sql.end());
  const captureDir = join(temp('cqt-capture-fail-'), 'cap');

  // A full disk, for real: the child may write at most 1 KiB to any file (RLIMIT_FSIZE), so the
  // capture's first larger write fails (EFBIG, as ENOSPC would on a full volume). The collector
  // writes no other file: its store is PostgreSQL.
  const run = startCqt(['collect', '--capture', captureDir, '--json', '--status-interval', '1'], collectorEnv(fx, { DATABASE_URL: pg.url }), {
    wrap: ['bash', '-c', 'ulimit -f 1 && exec "$@"', 'bash'],
  });
  cleanups.push(async () => {
    if (run.exitCode === undefined) run.child.kill('SIGKILL');
    await run.exited;
  });
  const rows = async () => Number((await sql`select count(*)::int as n from market_1s`)[0].n);

  // The capture fills its first file to the limit; its next write fails.
  await waitUntil(() => run.exitCode !== undefined || /capture stopped/.test(run.stderr), 'the capture to fail', 60_000);
  expect(run.exitCode, `the collector died with the capture: ${run.stderr.slice(-800)}`).toBeUndefined();
  expect(run.stderr).toMatch(/collect: capture stopped \(EFBIG[^)]*\); collection continues/);
  expect(readdirSync(captureDir).some((f) => statSync(join(captureDir, f)).size === 1024)).toBe(true);

  // Still collecting afterwards.
  const before = await rows();
  await waitUntil(async () => (await rows()) >= before + 3, 'market_1s rows after the capture failed', 30_000);
  expect(run.stderr, 'the status line shows the capture off').toMatch(/capture off/);

  run.child.kill('SIGTERM');
  await Promise.race([run.exited, new Promise((r) => setTimeout(r, 30_000))]);
  expect(run.exitCode, run.stderr.slice(-800)).toBe(0);
  const summary = JSON.parse(run.stdout.slice(run.stdout.lastIndexOf('\n{') + 1));
  expect(summary.capture.error).toMatch(/^EFBIG/);
  expect(summary.capture.framesDropped).toBeGreaterThan(0);
  expect(Object.values(summary.rowsUnwritten).every((n) => n === 0)).toBe(true);
  expect(summary.rowsWritten.market_1s).toBe(await rows());
  const recorded = await sql`select detail from feed_events where source = 'collector' and kind = 'error'`;
  expect(recorded.map((e) => e.detail.capture)).toEqual([expect.stringContaining(captureDir)]);
  expect(recorded[0].detail.error).toMatch(/^EFBIG/);
});

it('a capture folder that cannot be created is a usage error naming it', () => {
  expect(() => new FrameCapture('/dev/full/cap')).toThrow(expect.objectContaining({ message: 'cannot create the capture folder /dev/full/cap (ENOTDIR)', exitCode: 2 }));
});

it('a capture folder removed mid-run stops the capture at the next file instead of throwing', async () => {
  const dir = join(temp('cqt-capture-gone-'), 'cap');
  const failures: string[] = [];
  const capture = new FrameCapture(dir, { onFailed: (error) => failures.push(error) });
  const t0Ms = Date.now();
  capture.write('upbit.ws', '{"a":1}', t0Ms);
  rmSync(dir, { recursive: true });
  // An hour later the capture rotates into a new file, in a folder that is gone.
  capture.write('upbit.ws', '{"a":2}', t0Ms + 3600_000);
  await waitUntil(() => failures.length > 0, 'the capture to report the failed file', 10_000);
  expect(failures).toEqual([expect.stringMatching(/^ENOENT/)]);
  capture.write('upbit.ws', '{"a":3}', t0Ms + 3600_001);
  await capture.close();
  expect(capture.error).toMatch(/^ENOENT/);
  expect(capture.framesDropped).toBe(1);
});

it('a burst faster than gzip and the disk is dropped and counted, not queued without bound', async () => {
  const dir = temp('cqt-capture-burst-');
  const dropped: number[] = [];
  const capture = new FrameCapture(dir, { onDropped: (_source, frames) => dropped.push(frames) });
  // 64 MiB of incompressible frames in one synchronous burst: nothing reaches gzip meanwhile.
  const frameCount = 4096;
  const frame = (i: number) => `${i} ${randomBytes(12_288).toString('base64')}`;
  const frames = Array.from({ length: frameCount }, (_, i) => frame(i));
  const baseBytes = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < frameCount; i++) capture.write('upbit.ws', frames[i], 1_700_000_000_000 + i);
  const queuedBytes = process.memoryUsage().arrayBuffers - baseBytes;
  expect(queuedBytes, 'bytes held for the capture after the burst').toBeLessThan(16 * 2 ** 20);
  expect(capture.framesDropped).toBeGreaterThan(frameCount / 2);
  expect(capture.frames + capture.framesDropped).toBe(frameCount);
  await capture.close();
  // Reported once the capture caught up (or at close), with the same count.
  expect(dropped.reduce((a, b) => a + b, 0)).toBe(capture.framesDropped);
  // What was kept is a whole, readable file: the first frames, in order.
  const [file] = capture.files;
  const lines = gunzipSync(readFileSync(file)).toString('utf8').trim().split('\n');
  expect(lines.length).toBe(capture.frames);
  expect(lines.map((l) => JSON.parse(l).frame.split(' ')[0])).toEqual(Array.from({ length: capture.frames }, (_, i) => String(i)));
});
