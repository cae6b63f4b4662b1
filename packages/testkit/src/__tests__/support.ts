// Test helpers: a plain `ws` client that records everything it receives, polling waits with
// generous limits (assert counts, order and content, never tight timings), and cleanup of every
// server and socket a test opened.
import { test as base } from 'vitest';
import WebSocket from 'ws';
import { startFakeExchange, type FakeExchange } from '../server.js';
import type { FakeExchangeInput } from '../options.js';

export interface ReceivedFrame {
  recvTsMs: number;
  text: string;
  isBinary: boolean;
}

/** What one test opened; closed when that test finishes (safe for concurrent tests). */
export class TestScope {
  private readonly clients = new Set<TestClient>();
  private readonly exchanges = new Set<FakeExchange>();

  /** Starts a fake exchange that is closed after the test. */
  async exchange(input: FakeExchangeInput = {}): Promise<FakeExchange> {
    const exchange = await startFakeExchange(input);
    this.exchanges.add(exchange);
    return exchange;
  }

  async client(url: string, options: WebSocket.ClientOptions = {}): Promise<TestClient> {
    const client = TestClient.connect(url, options);
    this.clients.add(client);
    await client.opened;
    return client;
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.ws.terminate();
    await Promise.all([...this.exchanges].map((e) => e.close()));
  }
}

/** `test` with a per-test `t` scope: `test.concurrent('…', async ({ t }) => { const ex = await t.exchange(); … })`. */
export const test = base.extend<{ t: TestScope }>({
  // eslint-disable-next-line no-empty-pattern
  t: async ({}, use) => {
    const scope = new TestScope();
    await use(scope);
    await scope.close();
  },
});

export async function waitFor<T>(check: () => T | undefined | false, what: string, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class TestClient {
  readonly frames: ReceivedFrame[] = [];
  pingsReceived = 0;
  pongsReceived = 0;
  closeEvent?: { code: number; reason: string };

  readonly opened: Promise<void>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      this.frames.push({ text: buf.toString('utf8'), isBinary, recvTsMs: Date.now() });
    });
    ws.on('ping', () => this.pingsReceived++);
    ws.on('pong', () => this.pongsReceived++);
    ws.on('close', (code, reason) => {
      this.closeEvent = { code, reason: reason.toString() };
    });
    this.opened = new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`handshake refused: HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
    this.opened.catch(() => {});
    ws.on('error', () => {});
  }

  static connect(url: string, options: WebSocket.ClientOptions = {}): TestClient {
    return new TestClient(new WebSocket(url, options));
  }

  send(value: unknown): void {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value));
  }

  /** Frames parsed with JSON.parse (fine for assertions that do not need exact big integers). */
  json(): unknown[] {
    return this.frames.map((f) => JSON.parse(f.text) as unknown);
  }

  async waitFrames(count: number, what = `${count} frames`, timeoutMs?: number): Promise<ReceivedFrame[]> {
    await waitFor(() => this.frames.length >= count, what, timeoutMs);
    return this.frames;
  }

  async waitMatching(predicate: (f: ReceivedFrame) => boolean, what: string, count = 1, timeoutMs?: number): Promise<ReceivedFrame[]> {
    return waitFor(() => {
      const hits = this.frames.filter(predicate);
      return hits.length >= count ? hits : undefined;
    }, what, timeoutMs);
  }

  async waitClose(timeoutMs?: number): Promise<{ code: number; reason: string }> {
    return waitFor(() => this.closeEvent, 'socket close', timeoutMs);
  }
}

/** Every `"key":<digits>` occurrence, as exact digit strings (no JSON.parse rounding). */
export function rawIntegers(text: string, key: string): string[] {
  return [...text.matchAll(new RegExp(`"${key}":(\\d+)`, 'g'))].map((m) => m[1]);
}
