// Serves one PGlite instance to many PostgreSQL wire-protocol clients (postgres.js, psql) over a
// Unix socket. PGlite is a single backend session, so connections must never interleave inside a
// unit of work: a connection holds the backend from its first message until PGlite answers
// ReadyForQuery with status 'I' (idle, outside any transaction). Parse/Bind/Execute sequences,
// transactions and COPY therefore run without other clients' messages in between.
// (pglite-socket's own queue switches connections between single messages, which lets one
// client's extended-protocol messages land inside another's; hence this small server.)
// Every frame is checked (wireFrames.ts) before PGlite sees it: a bad one ends only its sender.
import { createServer, type Server, type Socket } from 'node:net';
import { chmodSync, rmSync } from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';
import { cutFrame, protocolViolation } from './wireFrames.js';

const READY_FOR_QUERY = 0x5a; // 'Z'
const SYNC_MESSAGE = Buffer.from([0x53, 0, 0, 0, 4]); // 'S'
/** A client that sends faster than its turn comes is paused beyond this many queued bytes. */
const MAX_QUEUED_BYTES = 16 * 1024 * 1024;

export interface WireServerOptions {
  db: PGlite;
  socketPath: string;
  /** A connection idle inside a transaction longer than this is closed and rolled back. */
  idleInTransactionMs?: number;
}

interface Connection {
  id: number;
  socket: Socket;
  /** Received bytes not yet cut into messages, and how many the next frame needs. */
  chunks: Buffer[];
  buffered: number;
  need: number;
  pending: Buffer[];
  queuedBytes: number;
  startedUp: boolean;
  /** Nothing more is read from a client that said goodbye or broke the protocol. */
  ending: boolean;
  closed: boolean;
  idleTimer?: NodeJS.Timeout;
}

export class WireServer {
  private server: Server | null = null;
  private readonly connections = new Set<Connection>();
  private readonly waiting: Connection[] = [];
  private holder: Connection | null = null;
  private pumping = false;
  private nextId = 1;
  private stopped = false;

  constructor(private readonly options: WireServerOptions) {}

  get connectionCount(): number {
    return this.connections.size;
  }

  async start(): Promise<void> {
    // A socket file left by a killed owner blocks listen(); the caller holds the owner lock.
    rmSync(this.options.socketPath, { force: true });
    this.server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.socketPath, () => {
        this.server!.off('error', reject);
        resolve();
      });
    });
    // Whoever can connect is superuser (trust authentication): only this user may. The socket's
    // folder is private too, so nobody else could connect before this.
    chmodSync(this.options.socketPath, 0o600);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const conn of this.connections) conn.socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
    // Let a unit of work in flight finish before PGlite is closed.
    while (this.pumping) await new Promise((r) => setTimeout(r, 5));
    rmSync(this.options.socketPath, { force: true });
  }

  private accept(socket: Socket): void {
    if (this.stopped) {
      socket.destroy();
      return;
    }
    const conn: Connection = {
      id: this.nextId++,
      socket,
      chunks: [],
      buffered: 0,
      need: 0,
      pending: [],
      queuedBytes: 0,
      startedUp: false,
      ending: false,
      closed: false,
    };
    this.connections.add(conn);
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.receive(conn, chunk));
    socket.on('error', () => this.drop(conn));
    socket.on('close', () => this.drop(conn));
  }

  private receive(conn: Connection, chunk: Buffer): void {
    if (conn.ending || conn.closed) return;
    conn.chunks.push(chunk);
    conn.buffered += chunk.length;
    // A large message arrives in many chunks: join them once it is whole, not on every chunk.
    if (conn.buffered < conn.need) return;
    let inbox = conn.chunks.length === 1 ? conn.chunks[0] : Buffer.concat(conn.chunks);
    for (;;) {
      const frame = cutFrame(inbox, conn.startedUp);
      if (frame.kind === 'incomplete') {
        conn.need = frame.need;
        break;
      }
      if (frame.kind === 'violation') {
        this.refuse(conn, frame.reason);
        return;
      }
      switch (frame.kind) {
        case 'ssl':
        case 'gssenc':
          conn.socket.write('N'); // no encryption on a local socket; the client goes on in plain text
          break;
        case 'cancel':
        case 'terminate':
          // PGlite cannot cancel a running statement; both simply end this connection.
          conn.ending = true;
          conn.socket.end();
          return;
        case 'startup':
        case 'message':
          if (frame.kind === 'startup') conn.startedUp = true;
          this.enqueue(conn, Buffer.from(frame.bytes));
      }
      inbox = inbox.subarray(frame.size);
    }
    conn.chunks = inbox.length ? [inbox] : [];
    conn.buffered = inbox.length;
  }

  /** Ends a client that broke the protocol: a FATAL error it can read, then the connection goes. */
  private refuse(conn: Connection, reason: string): void {
    conn.ending = true;
    conn.chunks = [];
    conn.socket.end(protocolViolation(reason), () => conn.socket.destroy());
    // Its queued messages go and, if it held the backend, its unit of work is ended now.
    this.drop(conn);
  }

  private enqueue(conn: Connection, msg: Buffer): void {
    conn.pending.push(msg);
    conn.queuedBytes += msg.length;
    if (conn.queuedBytes > MAX_QUEUED_BYTES) conn.socket.pause();
    if (this.holder !== conn && !this.waiting.includes(conn)) this.waiting.push(conn);
    if (this.holder === conn) this.armIdleTimer(conn, false);
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        if (!this.holder) {
          this.holder = this.waiting.shift() ?? null;
          if (!this.holder) break;
        }
        const conn = this.holder;
        // A holder that is gone is released by release(), which ends its unit of work first.
        if (conn.closed) break;
        const msg = conn.pending.shift();
        if (!msg) {
          // The holder is mid-unit (e.g. inside a transaction) and has nothing queued: wait for it.
          this.armIdleTimer(conn, true);
          break;
        }
        conn.queuedBytes -= msg.length;
        if (conn.socket.isPaused() && conn.queuedBytes <= MAX_QUEUED_BYTES / 2) conn.socket.resume();
        let status: string | null;
        try {
          status = await this.execute(conn, msg);
        } catch {
          // The backend failed this unit (PGlite closing under it, say): end this client, and
          // its transaction with it, rather than reject a promise nobody awaits, which would
          // take the whole process down.
          conn.socket.destroy();
          this.drop(conn);
          continue;
        }
        if (status === 'I' && !conn.closed) {
          this.holder = null;
          if (conn.pending.length) this.waiting.push(conn);
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Runs one message on the backend, forwards the reply, returns the last ReadyForQuery status. */
  private async execute(conn: Connection, msg: Buffer): Promise<string | null> {
    let status: string | null = null;
    await this.options.db.execProtocolRawStream(new Uint8Array(msg), {
      onRawData: (data) => {
        const tail = lastReadyForQueryStatus(data);
        if (tail) status = tail;
        if (!conn.closed && conn.socket.writable) conn.socket.write(Buffer.from(data));
      },
    });
    return status;
  }

  private armIdleTimer(conn: Connection, on: boolean): void {
    if (conn.idleTimer) clearTimeout(conn.idleTimer);
    conn.idleTimer = undefined;
    const ms = this.options.idleInTransactionMs ?? 60_000;
    if (on && ms > 0) conn.idleTimer = setTimeout(() => conn.socket.destroy(), ms);
  }

  private drop(conn: Connection): void {
    if (conn.closed) return;
    conn.closed = true;
    if (conn.idleTimer) clearTimeout(conn.idleTimer);
    this.connections.delete(conn);
    const idx = this.waiting.indexOf(conn);
    if (idx >= 0) this.waiting.splice(idx, 1);
    conn.pending.length = 0;
    if (this.holder === conn) void this.release(conn);
  }

  /** A client vanished while holding the backend: end its unit of work, then serve the others. */
  private async release(conn: Connection): Promise<void> {
    while (this.pumping) await new Promise((r) => setTimeout(r, 1));
    if (this.holder !== conn) return;
    this.pumping = true;
    try {
      const db = this.options.db;
      // Sync closes an unfinished extended-protocol sequence (or an aborted COPY);
      // ROLLBACK discards an open transaction.
      await db.execProtocolRawStream(new Uint8Array(SYNC_MESSAGE), { onRawData: () => {} });
      if (db.isInTransaction()) await db.exec('ROLLBACK');
    } catch {
      // The backend state is reset by the statements above or was already clean.
    } finally {
      this.holder = null;
      this.pumping = false;
    }
    void this.pump();
  }
}

/** Status byte of the last ReadyForQuery message in a reply chunk, if the chunk ends with one. */
function lastReadyForQueryStatus(data: Uint8Array): string | null {
  // ReadyForQuery is always the final message of a reply: 'Z', int32 5, status byte.
  const n = data.length;
  if (n >= 6 && data[n - 6] === READY_FOR_QUERY && data[n - 5] === 0 && data[n - 4] === 0 && data[n - 3] === 0 && data[n - 2] === 5) {
    return String.fromCharCode(data[n - 1]);
  }
  return null;
}
