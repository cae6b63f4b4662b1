// The owner's store thread: PGlite and its socket server run here, on a worker thread, because
// PGlite runs each query to completion synchronously — on the owner's main thread (usually the
// collector's) another process's export page or bulk insert would stop its feeds and timers.
// The owner's own queries reach this thread through the socket like everyone else's.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { WireServer } from './wireServer.js';

export interface StoreThreadData {
  pgdataDir: string;
  socketPath: string;
}

/** Thread → owner. */
export type StoreThreadEvent = { kind: 'serving' } | { kind: 'failed'; message: string } | { kind: 'stopped' };
/** Owner → thread. */
export type StoreThreadCommand = { kind: 'stop' };

const port = parentPort!;
const { pgdataDir, socketPath } = workerData as StoreThreadData;
const say = (event: StoreThreadEvent) => port.postMessage(event);

let db: PGlite | null = null;
let server: WireServer | null = null;

async function shutDown(): Promise<void> {
  await server?.stop().catch(() => {});
  await db?.close().catch(() => {});
  server = null;
  db = null;
}

port.on('message', (command: StoreThreadCommand) => {
  if (command.kind !== 'stop') return;
  void shutDown().then(() => {
    say({ kind: 'stopped' });
    port.close(); // nothing is left to keep this thread alive: it ends
  });
});

try {
  db = await PGlite.create(pgdataDir);
  server = new WireServer({ db, socketPath });
  await server.start();
  say({ kind: 'serving' });
} catch (err) {
  await shutDown();
  say({ kind: 'failed', message: (err as Error).message });
  port.close();
}
