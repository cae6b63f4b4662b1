// postWebhook against real HTTP receivers on loopback: delivery, retries with back-off, a final
// refusal, a receiver that never succeeds; the URL (a secret) never appears in an error.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { jobMessage, postWebhook, WebhookError } from '../index.js';

const TOKEN = 'T0001/B0002/s3cr3tT0kenXYZ';

interface Receiver {
  url: string;
  bodies: unknown[];
  server: Server;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A receiver answering the n-th request (0-based) with status(n). */
async function receiver(status: (n: number) => number, headers: Record<string, string> = {}): Promise<Receiver> {
  const bodies: unknown[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const n = bodies.length;
      bodies.push({ method: req.method, path: req.url, type: req.headers['content-type'], json: JSON.parse(raw) });
      res.writeHead(status(n), headers).end(status(n) < 300 ? 'ok' : 'no');
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/${TOKEN}`, bodies, server };
}

const notice = { event: 'job.dead', queue: 'backtest', jobId: 'j-1', attempt: 3, attempts: 3, what: 'sma-cross on upbit KRW-BTC 1h', error: 'no candles' } as const;

const failure = async (p: Promise<unknown>): Promise<WebhookError> => {
  try {
    await p;
  } catch (err) {
    return err as WebhookError;
  }
  throw new Error('expected a failure');
};

describe('jobMessage', () => {
  it('has a Slack text line and the structured fields', () => {
    const m = jobMessage(notice, 'box', 1_700_000_000_000);
    expect(m).toEqual({
      text: 'cqt backtest job j-1 is dead after 3/3 attempts (sma-cross on upbit KRW-BTC 1h): no candles — fix the cause, then cqt backtest retry j-1',
      ...notice,
      host: 'box',
      tsMs: 1_700_000_000_000,
    });
    expect(jobMessage({ ...notice, event: 'job.completed', error: null, runId: 7 }, 'box', 1).text).toBe('cqt backtest job j-1 completed (sma-cross on upbit KRW-BTC 1h): run 7');
  });
});

describe('postWebhook', () => {
  it('posts the message as JSON once when the receiver accepts it', async () => {
    const r = await receiver(() => 200);
    const m = jobMessage(notice, 'box', 1);
    expect(await postWebhook(r.url, m, { backoffMs: 5 })).toEqual({ tries: 1 });
    expect(r.bodies).toEqual([{ method: 'POST', path: `/services/${TOKEN}`, type: 'application/json', json: m }]);
  });

  it('retries a receiver that fails twice, then succeeds', async () => {
    const r = await receiver((n) => (n < 2 ? 503 : 200));
    expect(await postWebhook(r.url, { text: 'x' }, { backoffMs: 5 })).toEqual({ tries: 3 });
    expect(r.bodies).toHaveLength(3);
  });

  it('gives up on a receiver that never succeeds after the bounded tries: one line, no URL', async () => {
    const r = await receiver(() => 500);
    const err = await failure(postWebhook(r.url, { text: 'x' }, { attempts: 3, backoffMs: 5 }));
    expect(err).toBeInstanceOf(WebhookError);
    expect(err.message).toBe('webhook (CQT_NOTIFY_WEBHOOK_URL) failed after 3 tries: HTTP 500');
    expect(r.bodies).toHaveLength(3);
  });

  it('does not retry a refusal (4xx other than 429)', async () => {
    const r = await receiver(() => 404);
    const err = await failure(postWebhook(r.url, { text: 'x' }, { backoffMs: 5 }));
    expect([err.message, err.tries, r.bodies.length]).toEqual(['webhook (CQT_NOTIFY_WEBHOOK_URL) refused the message: HTTP 404', 1, 1]);
  });

  it('honours 429 Retry-After up to the cap', async () => {
    const r = await receiver((n) => (n === 0 ? 429 : 200), { 'retry-after': '3600' });
    expect(await postWebhook(r.url, { text: 'x' }, { backoffMs: 5, maxBackoffMs: 20 })).toEqual({ tries: 2 });
  });

  it('a closed port fails with the reason and without the URL or its token', async () => {
    const r = await receiver(() => 200);
    await new Promise((res) => r.server.close(res));
    const err = await failure(postWebhook(r.url, { text: 'x' }, { attempts: 2, backoffMs: 5 }));
    expect(err.message).toBe('webhook (CQT_NOTIFY_WEBHOOK_URL) failed after 2 tries: ECONNREFUSED');
    expect(err.message).not.toContain('s3cr3t');
    expect(err.message).not.toContain('127.0.0.1');
  });
});
