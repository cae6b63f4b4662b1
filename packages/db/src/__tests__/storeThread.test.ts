// The owner of the embedded store is usually the collector, whose feeds and timers must not wait
// on other processes' queries. PGlite runs each query to completion synchronously, so it runs on
// a worker thread of the owner, not on its main thread. Measured here as the owner's event-loop
// delay while another process runs heavy queries, relative to how long those queries take (no
// fixed wall-clock bound: a loaded machine slows both).
import { afterEach, expect, it } from 'vitest';
import { openDb } from '../index.js';
import { tempDir } from '@cqt/test-support/tmp';
import { killChildren, startChild } from './fixtures/children.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  killChildren();
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

it("another process's heavy queries leave the owner's event loop responsive", async () => {
  const dir = tempDir('cqt-thread-');
  cleanups.push(() => dir.remove());
  const owner = startChild('storeOwner.mjs', { dataDir: dir.path, loopWindowMs: 250 });
  expect((await owner.waitFor((e) => e.event === 'open', 60_000)).role).toBe('owner');
  const db = await openDb({ dataDir: dir.path, embedded: { waitMs: 10_000 } });
  cleanups.push(() => db.close());
  expect(db.role()).toBe('client');

  const durationsMs: number[] = [];
  const fromMs = Date.now();
  for (let i = 0; i < 6; i++) {
    const t = performance.now();
    await db.sql`select count(*) from generate_series(1, 3000000)`;
    durationsMs.push(performance.now() - t);
  }
  const toMs = Date.now();
  // The windows that lie inside the heavy period, by the owner's clock.
  await owner.waitFor((e) => e.event === 'loop' && (e.atMs as number) > toMs, 10_000);
  const windows = owner.events.filter((e) => e.event === 'loop' && (e.atMs as number) > fromMs + 250 && (e.atMs as number) <= toMs);
  const ownerMaxDelayMs = Math.max(...windows.map((e) => e.maxMs as number));
  const queryMs = median(durationsMs);
  // Heavy enough that a query on the owner's main thread would show as a stall of that length.
  expect(queryMs).toBeGreaterThan(200);
  expect(windows.length).toBeGreaterThan(2);
  expect(ownerMaxDelayMs, `owner's worst event-loop delay vs the median query (${Math.round(queryMs)} ms)`).toBeLessThan(queryMs / 2);
}, 120_000);
