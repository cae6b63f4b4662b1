// FeedSocket against a loopback server that refuses WebSocket upgrades with an HTTP status before
// accepting: the rejection is reported (status, Retry-After, ban, body excerpt), the request is
// aborted, and the next attempt never comes sooner than the server asked. Waits are generous and
// timings are asserted as lower bounds only (a loaded CI machine is slower, never faster).
import { createServer, STATUS_CODES, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { FeedSocket, HandshakeRejectedError, handshakeResumeAtMs, type FeedSocketOptions } from '../client/feedSocket.js';
import { readRetryAfterSec } from '../client/pollTiming.js';

interface Rejection {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Leave the TCP socket open after the response (no `Connection: close`). */
  keepAlive?: boolean;
  /** Content-Length to announce when the body is sent only in part and then stalls. */
  announcedLength?: number;
}
type Answer = Rejection | 'accept';

interface Attempt {
  atMs: number;
  answer: Answer;
  /** When the TCP socket of a rejected attempt closed (the client aborted it). */
  closedAtMs?: number;
}

/** Answers the n-th upgrade with `script(n)`; an accepted socket gets a data frame every 50 ms. */
class UpgradeServer {
  readonly attempts: Attempt[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly feeds = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: Server,
    private readonly script: (n: number) => Answer,
  ) {
    server.on('upgrade', (req, socket: Socket, head) => {
      this.sockets.add(socket);
      socket.on('error', () => socket.destroy());
      const attempt: Attempt = { atMs: Date.now(), answer: this.script(this.attempts.length) };
      this.attempts.push(attempt);
      socket.on('close', () => (attempt.closedAtMs ??= Date.now()));
      if (attempt.answer === 'accept') {
        this.wss.handleUpgrade(req, socket, head, (ws) => {
          const feed = setInterval(() => ws.send('{"n":1}'), 50);
          this.feeds.add(feed);
          ws.on('close', () => clearInterval(feed));
        });
        return;
      }
      writeRejection(socket, attempt.answer);
    });
  }

  static async start(script: (n: number) => Answer): Promise<UpgradeServer> {
    const server = createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const s = new UpgradeServer(server, script);
    servers.push(s);
    return s;
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/ws`;
  }

  async close(): Promise<void> {
    for (const feed of this.feeds) clearInterval(feed);
    for (const socket of this.sockets) socket.destroy();
    this.wss.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function writeRejection(socket: Socket, r: Rejection): void {
  const body = r.body ?? '';
  const lines = [
    `HTTP/1.1 ${r.status} ${STATUS_CODES[r.status] ?? 'Error'}`,
    r.keepAlive ? 'Connection: keep-alive' : 'Connection: close',
    'Content-Type: text/plain',
    `Content-Length: ${r.announcedLength ?? Buffer.byteLength(body)}`,
    ...Object.entries(r.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
  ];
  // Read on, so the client's end of the connection is seen (an upgrade socket is half-open until then).
  socket.resume();
  socket.on('end', () => socket.destroy());
  socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
  if (!r.keepAlive) socket.end();
}

const servers: UpgradeServer[] = [];
const sockets: FeedSocket[] = [];

afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.stop()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A started FeedSocket whose reports are collected; its own backoff is short so only the server's wait shows. */
function feedSocket(url: string, options: Partial<FeedSocketOptions> = {}) {
  const seen = { errors: [] as Error[], opens: [] as Array<{ atMs: number; rotation: boolean }>, frames: 0 };
  const socket = new FeedSocket(
    { name: 'test', url, backoffBaseMs: 20, backoffMaxMs: 50, staleAfterMs: 5000, ...options },
    {
      onFrame: () => seen.frames++,
      onOpen: ({ rotation }) => seen.opens.push({ atMs: Date.now(), rotation }),
      onError: (err) => seen.errors.push(err),
    },
  );
  sockets.push(socket);
  socket.start();
  return { socket, seen };
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('FeedSocket: a refused WebSocket upgrade', () => {
  it.each([
    ['Connection: close', false],
    ['keep-alive (the server leaves the TCP socket open)', true],
  ])('429 with Retry-After: 2 and %s: reported with status and Retry-After, aborted, retried no sooner than 2 s', async (_name, keepAlive) => {
    const server = await UpgradeServer.start((n) =>
      n === 0 ? { status: 429, headers: { 'Retry-After': '2' }, body: 'Too many connection attempts', keepAlive } : 'accept',
    );
    const { seen } = feedSocket(server.url);
    await waitFor(() => seen.opens.length > 0 && seen.frames > 0, 'the socket to open after the rejection');
    const [rejected, accepted] = server.attempts;
    expect(rejected.answer).not.toBe('accept');
    expect(accepted.atMs - rejected.atMs).toBeGreaterThanOrEqual(2000);
    // The client aborted the refused request: its TCP socket closed before the next attempt.
    expect(rejected.closedAtMs).toBeDefined();
    expect(rejected.closedAtMs!).toBeLessThanOrEqual(accepted.atMs);
    expect(seen.errors).toHaveLength(1);
    const err = seen.errors[0] as HandshakeRejectedError;
    expect(err).toBeInstanceOf(HandshakeRejectedError);
    expect(err).toMatchObject({ httpStatus: 429, retryAfterSec: 2, bannedUntilMs: null, body: 'Too many connection attempts' });
    expect(err.message).toMatch(/HTTP 429/);
    expect(err.resumeAtMs! - rejected.atMs).toBeGreaterThanOrEqual(2000);
  });

  it('418 naming a ban end (Binance -1003): no attempt before the ban ends', async () => {
    const bannedUntilMs = Date.now() + 2500;
    const body = JSON.stringify({ code: -1003, msg: `Way too much request weight used; IP banned until ${bannedUntilMs}.` });
    const server = await UpgradeServer.start((n) => (n === 0 ? { status: 418, body } : 'accept'));
    const { seen } = feedSocket(server.url);
    await waitFor(() => seen.opens.length > 0, 'the socket to open after the ban');
    expect(server.attempts).toHaveLength(2);
    expect(server.attempts[1].atMs).toBeGreaterThanOrEqual(bannedUntilMs);
    expect(seen.errors).toHaveLength(1);
    expect(seen.errors[0]).toMatchObject({ httpStatus: 418, retryAfterSec: null, bannedUntilMs, resumeAtMs: bannedUntilMs });
    expect((seen.errors[0] as HandshakeRejectedError).body).toContain('IP banned until');
  });

  it('503 without Retry-After: the usual backoff, and a body read bounded in size and time', async () => {
    const server = await UpgradeServer.start((n) => {
      // A body far larger than anyone needs, then one that announces more than it sends and stalls.
      if (n === 0) return { status: 503, body: 'x'.repeat(256 * 1024), announcedLength: 1024 * 1024, keepAlive: true };
      if (n === 1) return { status: 403, body: 'partial', announcedLength: 1000, keepAlive: true };
      return 'accept';
    });
    const { seen } = feedSocket(server.url);
    await waitFor(() => seen.opens.length > 0, 'the socket to open after two refusals');
    expect(seen.errors.map((e) => (e as HandshakeRejectedError).httpStatus)).toEqual([503, 403]);
    const [huge, partial] = seen.errors as HandshakeRejectedError[];
    expect(huge.body).toMatch(/^x+$/);
    expect(huge.body.length).toBeLessThanOrEqual(200);
    expect(huge.resumeAtMs).toBeNull();
    expect(partial.body).toBe('partial');
    expect(server.attempts.slice(0, 2).every((a) => a.closedAtMs !== undefined)).toBe(true);
  });

  it('a rotation whose new socket is refused keeps the old one and retries no sooner than Retry-After', async () => {
    const server = await UpgradeServer.start((n) => (n === 1 ? { status: 429, headers: { 'Retry-After': '2' }, body: 'slow down' } : 'accept'));
    const { socket, seen } = feedSocket(server.url, { maxAgeMs: 300 });
    await waitFor(() => socket.stats.rotations >= 1, 'a rotation after the refused one');
    const [, refused, next] = server.attempts;
    expect(refused.answer).not.toBe('accept');
    expect(next.atMs - refused.atMs).toBeGreaterThanOrEqual(2000);
    expect(seen.errors).toMatchObject([{ httpStatus: 429, retryAfterSec: 2 }]);
    // The old socket kept delivering meanwhile: no reconnect was needed.
    expect(socket.stats.reconnects).toBe(0);
  });

  it('a rotation refused without Retry-After backs off like a reconnect instead of retrying every watchdog tick', async () => {
    // Every upgrade after the first is refused with a bare 503; the first socket keeps delivering.
    const server = await UpgradeServer.start((n) => (n === 0 ? 'accept' : { status: 503, body: 'maintenance' }));
    // staleAfterMs 400: the watchdog ticks every 100 ms; backoff 200 ms doubling to 5 s.
    const { socket } = feedSocket(server.url, { maxAgeMs: 200, staleAfterMs: 400, backoffBaseMs: 200, backoffMaxMs: 5000 });
    await sleep(3000);
    await socket.stop();
    const refused = server.attempts.slice(1);
    expect(refused.length).toBeGreaterThan(0);
    // One attempt per tick would be ~28 in 3 s; a doubling backoff from 200 ms allows at most 5.
    expect(refused.length).toBeLessThanOrEqual(6);
    for (let i = 1; i < refused.length; i++) expect(refused[i].atMs - refused[i - 1].atMs).toBeGreaterThanOrEqual(100 * 2 ** (i - 1));
    expect(socket.stats.reconnects).toBe(0);
  });

  it('stop() during the wait: no further attempt', async () => {
    const server = await UpgradeServer.start(() => ({ status: 429, headers: { 'Retry-After': '1' } }));
    const { socket, seen } = feedSocket(server.url);
    await waitFor(() => seen.errors.length > 0, 'the rejection to be reported');
    await socket.stop();
    await sleep(1500);
    expect(server.attempts).toHaveLength(1);
  });
});

describe('when a refused handshake may be retried', () => {
  const T0 = Date.UTC(2026, 0, 5, 9, 0, 10);

  it('reads Retry-After as delay-seconds or an HTTP date', () => {
    expect(readRetryAfterSec({ 'retry-after': '7' }, T0)).toBe(7);
    expect(readRetryAfterSec({ 'Retry-After': new Date(T0 + 4500).toUTCString() }, T0)).toBe(4);
    expect(readRetryAfterSec({ 'Retry-After': new Date(T0 - 60_000).toUTCString() }, T0)).toBe(0);
    expect(readRetryAfterSec({ 'Retry-After': 'soon' }, T0)).toBeNull();
    expect(readRetryAfterSec({ 'Retry-After': '-1' }, T0)).toBeNull();
    // Without a clock, only delay-seconds (the REST pollers' reading).
    expect(readRetryAfterSec({ 'Retry-After': new Date(T0).toUTCString() })).toBeNull();
  });

  it('waits for the ban end, else Retry-After, else (418) an unnamed ban, else nothing beyond the backoff', () => {
    expect(handshakeResumeAtMs({ httpStatus: 418, retryAfterSec: 3, bannedUntilMs: T0 + 90_000 }, T0, 120_000)).toBe(T0 + 90_000);
    expect(handshakeResumeAtMs({ httpStatus: 429, retryAfterSec: 3, bannedUntilMs: null }, T0, 120_000)).toBe(T0 + 3000);
    expect(handshakeResumeAtMs({ httpStatus: 418, retryAfterSec: null, bannedUntilMs: null }, T0, 120_000)).toBe(T0 + 120_000);
    expect(handshakeResumeAtMs({ httpStatus: 503, retryAfterSec: null, bannedUntilMs: null }, T0, 120_000)).toBeNull();
  });
});
