// postgres.js 3.4.9 drops the promise of its array-type fetch, the first query of every new
// connection: a connection lost at that moment (a database restart, an embedded owner handing
// over) rejected it with nobody listening, and Node ended the process — the collector with its
// buffered rows. patches/postgres@3.4.9.patch fails the waiting query instead and drops the
// connection. This test cuts a real PostgreSQL connection exactly there, through a proxy.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import postgres from 'postgres';
import { afterEach, expect, it } from 'vitest';
import { adminUrl } from '@cqt/test-support/pg';

interface CuttingProxy {
  url: string;
  /** Connections cut when they sent the array-type query. */
  cut: number;
  close(): Promise<void>;
}

/** Forwards to the test server, resetting the first `cuts` connections that ask for pg_type. */
async function cuttingProxy(cuts: number): Promise<CuttingProxy> {
  const target = new URL(adminUrl);
  const sockets = new Set<Socket>();
  const proxy: CuttingProxy = { url: '', cut: 0, close: async () => {} };
  const server: Server = createServer((client) => {
    const upstream = createConnection(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (chunk) => {
      if (proxy.cut < cuts && chunk.includes('pg_catalog.pg_type')) {
        proxy.cut++;
        client.resetAndDestroy();
        upstream.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(adminUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as { port: number }).port);
  proxy.url = url.toString();
  proxy.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
  return proxy;
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
process.on('unhandledRejection', onUnhandled);
afterEach(() => {
  unhandled.length = 0;
});

it('a connection cut while postgres.js fetches array types fails the waiting query, not the process', async () => {
  const proxy = await cuttingProxy(1);
  const sql = postgres(proxy.url, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    // The query that opened the connection learns of the cut (or succeeds on a new connection).
    const first = await sql`select 1 as one`.then(
      () => 'ok',
      (err: NodeJS.ErrnoException) => err.code,
    );
    expect(['ok', 'ECONNRESET', 'CONNECTION_CLOSED', 'CONNECTION_DESTROYED']).toContain(first);
    // The next connection fetches the types again, so array parameters serialize afterwards.
    // (Not in the first query of a connection whose types are being fetched: postgres.js runs it
    // before registering them, porsager/postgres#789 — openDb's first query is a plain select.)
    expect(await sql`select 2 as two`).toEqual([{ two: 2 }]);
    const [row] = await sql`select ${sql.array([1, 2, 3])}::int[] as xs, ${sql.array(['a', 'b'])}::text[] as ts`;
    expect(row).toEqual({ xs: [1, 2, 3], ts: ['a', 'b'] });
    // A dropped promise surfaces on a later tick.
    await new Promise((r) => setTimeout(r, 200));
    expect(proxy.cut).toBe(1);
    expect(unhandled).toEqual([]);
  } finally {
    await sql.end({ timeout: 1 });
    await proxy.close();
  }
});
