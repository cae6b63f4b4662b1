// The embedded store's socket server (embedded/wireServer.ts) against clients that misbehave. The
// owner runs in a child process with a 100 ms timer on its main thread: a packet that spins the
// owner's event loop shows as ticks that stop (the test bounds its wait), and a packet that
// wrecks PGlite's protocol state shows as a well-behaved client that can no longer query.
import { afterEach, expect, it } from 'vitest';
import { openDb, type Db } from '../index.js';
import { tempDir } from '@cqt/test-support/tmp';
import { killChildren, startChild, type Child } from './fixtures/children.js';
import { message, queryMessage, rawClient, startupMessage, type RawClient } from './fixtures/wire.js';

interface Owner {
  child: Child;
  socketPath: string;
  /** A postgres.js client of the owner, as any other cqt process would be. */
  db: Db;
  ticks(): number;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  killChildren();
});

async function startOwner(): Promise<Owner> {
  const dir = tempDir('cqt-wire-');
  cleanups.push(() => dir.remove());
  const child = startChild('storeOwner.mjs', { dataDir: dir.path });
  const open = await child.waitFor((e) => e.event === 'open', 60_000);
  expect(open.role).toBe('owner');
  const db = await openDb({ dataDir: dir.path, embedded: { waitMs: 10_000 } });
  cleanups.push(() => db.close());
  const ticks = () => child.events.filter((e) => e.event === 'tick').length;
  return { child, socketPath: open.socketPath as string, db, ticks };
}

/** Waits (generously) for the owner's timer to fire a few times after now; false if it stopped. */
async function ownerStillTicks(owner: Owner, timeoutMs = 10_000): Promise<boolean> {
  // By the owner's own clock: ticks still in the pipe from before a hang must not count.
  const sinceMs = Date.now() + 250;
  try {
    await owner.child.waitFor((e) => e.event === 'tick' && (e.atMs as number) > sinceMs, timeoutMs);
    return true;
  } catch {
    return false;
  }
}

/** Resolves true when the server closes the connection within the time, false otherwise. */
function closedWithin(c: RawClient, ms: number): Promise<boolean> {
  return Promise.race([c.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
}

/** SQLSTATE of the first ErrorResponse the server sent, if any. */
function errorCode(bytes: Buffer): string | null {
  let at = 0;
  while (at + 5 <= bytes.length) {
    const len = bytes.readInt32BE(at + 1);
    if (len < 4) return null;
    if (bytes[at] === 0x45 /* 'E' */) {
      const fields = bytes.subarray(at + 5, at + 1 + len).toString('latin1').split('\0');
      return fields.find((f) => f.startsWith('C'))?.slice(1) ?? null;
    }
    at += 1 + len;
  }
  return null;
}

async function serves(db: Db): Promise<number> {
  const [{ n }] = await db.sql`select 41 + 1 as n`;
  return n as number;
}

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');

it('a packet with a bad length field ends that client with a protocol error and never stops the owner', async () => {
  const owner = await startOwner();
  const cases: Array<{ name: string; startup: boolean; bytes: Buffer }> = [
    { name: 'startup length 0', startup: false, bytes: hex('00000000 00000000') },
    { name: 'startup length 0, protocol 3.0', startup: false, bytes: hex('00000000 00030000') },
    { name: 'startup length -1', startup: false, bytes: hex('ffffffff 00030000') },
    { name: 'startup length 4', startup: false, bytes: hex('00000004 00030000') },
    { name: 'startup length 2^31-1', startup: false, bytes: hex('7fffffff 00030000') },
    { name: 'ssl request of length 12', startup: false, bytes: hex('0000000c 04d2162f 00000000') },
    { name: 'message length -1', startup: true, bytes: hex('51 ffffffff') },
    { name: 'message length 0', startup: true, bytes: hex('51 00000000') },
    { name: 'message length 3', startup: true, bytes: hex('51 00000003') },
    { name: 'message length 2^31-1', startup: true, bytes: hex('51 7fffffff') },
    { name: 'sync of length 20000', startup: true, bytes: hex('53 00004e20') },
  ];
  for (const c of cases) {
    const bad = await rawClient(owner.socketPath);
    if (c.startup) await bad.startup();
    bad.send(c.bytes);
    expect(await ownerStillTicks(owner), `${c.name}: owner's event loop runs`).toBe(true);
    expect(await closedWithin(bad, 10_000), `${c.name}: connection closed`).toBe(true);
    const afterStartup = c.startup ? bad.received().indexOf(hex('5a 00000005 49')) + 6 : 0;
    expect(errorCode(bad.received().subarray(afterStartup)), `${c.name}: protocol error`).toBe('08P01');
    expect(await serves(owner.db), c.name).toBe(42);
  }
});

it('a malformed startup packet or an unknown message type is refused and leaves the store serving others', async () => {
  const owner = await startOwner();
  const startupWith = (body: string) => {
    const b = Buffer.from(body, 'latin1');
    const head = Buffer.alloc(8);
    head.writeInt32BE(8 + b.length, 0);
    head.writeInt32BE(196608, 4);
    return Buffer.concat([head, b]);
  };
  const cases: Array<{ name: string; startup: boolean; bytes: Buffer }> = [
    { name: 'startup without its final terminator', startup: false, bytes: startupWith('user\0postgres\0database') },
    { name: 'startup with an empty body', startup: false, bytes: startupWith('') },
    { name: 'startup with a key and no value', startup: false, bytes: startupWith('user\0\0') },
    { name: 'message type 0', startup: true, bytes: message('\0', Buffer.from([0, 0, 0, 0])) },
    { name: 'message type p outside authentication', startup: true, bytes: message('p', Buffer.from('secret\0')) },
    { name: 'message type Z', startup: true, bytes: message('Z', Buffer.from('I')) },
  ];
  for (const c of cases) {
    const bad = await rawClient(owner.socketPath);
    if (c.startup) await bad.startup();
    bad.send(c.bytes);
    expect(await closedWithin(bad, 10_000), `${c.name}: connection closed`).toBe(true);
    expect(await serves(owner.db), c.name).toBe(42);
    // A new connection must be able to start up too (PGlite's session survives).
    const next = await rawClient(owner.socketPath);
    await next.startup();
    expect(await next.query('select 1'), c.name).toBe('I');
    next.end();
  }
});

it('a client refused mid-transaction leaves no transaction open for the next client', async () => {
  const owner = await startOwner();
  const a = await rawClient(owner.socketPath);
  await a.startup();
  expect(await a.query('begin')).toBe('T');
  expect(await a.query(`insert into market_1s (symbol, ts, recv_ts) values ('LEAK', now(), now())`)).toBe('T');
  a.send(message('\0', Buffer.from([0, 0, 0, 0])));
  expect(await closedWithin(a, 10_000)).toBe(true);
  const [{ n }] = await owner.db.sql`select count(*)::int as n from market_1s where symbol = 'LEAK'`;
  const [{ xid }] = await owner.db.sql`select pg_current_xact_id_if_assigned()::text as xid`;
  expect({ leakedRows: n, inTransaction: xid !== null }).toEqual({ leakedRows: 0, inTransaction: false });
});

it('a client that sends far ahead of its turn is paused, not buffered without bound', async () => {
  const owner = await startOwner();
  const holder = await rawClient(owner.socketPath);
  await holder.startup();
  const eager = await rawClient(owner.socketPath);
  await eager.startup();
  expect(await holder.query('begin')).toBe('T'); // holds the backend until it commits
  // 64 queries of 1 MiB each while the backend is held: the owner may queue some, not all.
  const query = queryMessage(`select 1 -- ${'x'.repeat(1024 * 1024)}`);
  const queries = 64;
  for (let i = 0; i < queries; i++) eager.send(query);
  await new Promise((r) => setTimeout(r, 3_000));
  expect(eager.socket.writableLength, 'bytes the owner has not read').toBeGreaterThan(16 * 1024 * 1024);
  expect(await ownerStillTicks(owner)).toBe(true);
  // Once the backend is free the owner reads on, and every query is answered.
  expect(await holder.query('commit')).toBe('I');
  for (let i = 0; i < queries; i++) expect(await eager.waitReady()).toBe('I');
}, 120_000);

/** mulberry32: a small seeded PRNG, so a failing fuzz case can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One fuzz case: bytes to send on a fresh connection, made of random, truncated and corrupted messages. */
function fuzzCase(rand: () => number): Buffer {
  const int = (n: number) => Math.floor(rand() * n);
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const types = 'BCDEFHPQSXdcf\0pZ';
  const framed = () => {
    const body = rand() < 0.5 ? bytes(int(40)) : Buffer.from(`select ${int(1000)}\0`);
    const m = message(types[int(types.length)], body);
    if (rand() < 0.2) m.writeInt32BE(int(2) ? -1 - int(5) : int(0x7fffffff), 1); // lie about the length
    return m;
  };
  const kind = int(5);
  let out: Buffer;
  if (kind === 0) out = bytes(int(64));
  else if (kind === 1) out = Buffer.concat([startupMessage(), bytes(int(64))]);
  else if (kind === 2) out = Buffer.concat([startupMessage(), ...Array.from({ length: 1 + int(4) }, framed)]);
  else if (kind === 3) out = Buffer.concat([startupMessage(), queryMessage('begin'), framed(), queryMessage('select 1')]);
  else {
    out = Buffer.concat([startupMessage(), queryMessage('select 1')]);
    for (let i = int(4); i >= 0; i--) out[int(out.length)] = int(256); // corrupt a few bytes anywhere
  }
  return rand() < 0.3 ? out.subarray(0, int(out.length + 1)) : out; // truncated
}

it('fuzz: random, truncated and corrupted messages never stop the owner from serving a well-behaved client', async () => {
  const owner = await startOwner();
  const seed = 20261123;
  const rand = prng(seed);
  const cases = 3000;
  const concurrency = 8;
  let next = 0;
  let served = 0;
  let stop = false;
  let steadyError: unknown = null;
  // A well-behaved client keeps querying throughout.
  const steady = (async () => {
    while (!stop) {
      if ((await serves(owner.db)) !== 42) throw new Error('wrong answer');
      served++;
    }
  })().catch((err) => {
    steadyError = err;
  });
  const ticksBefore = owner.ticks();
  const runOne = async (index: number, bytes: Buffer) => {
    const c = await rawClient(owner.socketPath);
    c.send(bytes);
    // Long enough for an answer to arrive; then hang up, as a crashing client would.
    await closedWithin(c, 50);
    if (index % 2) c.socket.destroy();
    else c.end();
    if (!(await closedWithin(c, 10_000))) {
      throw new Error(`fuzz case ${index} (seed ${seed}) left a connection open: ${bytes.toString('hex')}`);
    }
  };
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < cases) {
          const index = next++;
          await runOne(index, fuzzCase(rand));
        }
      }),
    );
  } finally {
    stop = true;
    await steady;
  }
  expect(steadyError).toBeNull();
  expect(served).toBeGreaterThan(10);
  expect(owner.ticks()).toBeGreaterThan(ticksBefore);
  expect(await ownerStillTicks(owner)).toBe(true);
  // Nobody's transaction is left open, and new connections still start up.
  const [{ xid }] = await owner.db.sql`select pg_current_xact_id_if_assigned()::text as xid`;
  expect(xid).toBeNull();
  const fresh = await rawClient(owner.socketPath);
  await fresh.startup();
  expect(await fresh.query('select 1')).toBe('I');
  fresh.end();
}, 180_000);
