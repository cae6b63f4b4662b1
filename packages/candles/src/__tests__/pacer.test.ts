// The request pacer against a server that counts requests in fixed 1 s windows by when they
// arrive. A request can arrive well after it was sent (a loaded machine, a slow network), so a
// pacer that counts by send time lets a late request share a window with ten fresh ones. Pure
// simulation on virtual time: the delays are chosen, nothing sleeps.
import { describe, expect, it } from 'vitest';
import { SlidingPacer } from '../http.js';

const LIMIT = 10;
const WINDOW_MS = 1000;

/** Deterministic 0..1 sequence (Park–Miller). */
function random(seed: number): () => number {
  let x = seed;
  return () => (x = (x * 48271) % 2147483647) / 2147483647;
}

interface Request {
  sendMs: number;
  arriveMs: number;
  recvMs: number;
}

/**
 * `clients` loops, each sending one request after the previous answer, all through one pacer.
 * `delayMs(i)` is request i's way to the server; the answer takes 2 ms back.
 */
function simulate(pacer: SlidingPacer, requests: number, clients: number, delayMs: (i: number) => number): Request[] {
  const done: Request[] = [];
  // Each client's next moment of wanting to send, and what its answer will call.
  const wantMs = Array.from({ length: clients }, () => 0);
  let sent = 0;
  const inFlight: Array<{ client: number; recvMs: number; answered: (recvMs: number) => void; req: Request } | undefined> = [];
  while (done.length < requests) {
    // The next event: the earliest answer, or the earliest client ready to send.
    let next = -1;
    let nextMs = Infinity;
    let isAnswer = false;
    for (let c = 0; c < clients; c++) {
      const f = inFlight[c];
      if (f && f.recvMs < nextMs) [next, nextMs, isAnswer] = [c, f.recvMs, true];
      if (!f && sent < requests && wantMs[c] < nextMs) [next, nextMs, isAnswer] = [c, wantMs[c], false];
    }
    if (isAnswer) {
      const f = inFlight[next]!;
      f.answered(f.recvMs);
      done.push(f.req);
      inFlight[next] = undefined;
      wantMs[next] = f.recvMs;
      continue;
    }
    const waitMs = pacer.delayMs(nextMs);
    if (waitMs > 0) {
      wantMs[next] = nextMs + waitMs;
      continue;
    }
    const answered = pacer.sent(nextMs);
    const arriveMs = nextMs + delayMs(sent++);
    const req = { sendMs: nextMs, arriveMs, recvMs: arriveMs + 2 };
    inFlight[next] = { client: next, recvMs: req.recvMs, answered, req };
  }
  return done;
}

function busiestWindow(requests: Request[]): number {
  const counts = new Map<number, number>();
  for (const r of requests) {
    const w = Math.floor(r.arriveMs / WINDOW_MS);
    counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  return Math.max(...counts.values());
}

function rate(requests: Request[]): number {
  const lastMs = Math.max(...requests.map((r) => r.recvMs));
  return requests.length / (lastMs / 1000);
}

describe('SlidingPacer', () => {
  it('a request that arrives late does not share a server window with ten fresh ones', () => {
    // A loaded machine: answers take 90 ms to reach the server, the tenth 200 ms; it was sent at
    // 828 ms and lands at 1,028 ms, in the window of the ten sent from 1,050 ms on.
    const requests = simulate(new SlidingPacer(LIMIT, WINDOW_MS), 40, 1, (i) => (i === 9 ? 200 : 90));
    expect(busiestWindow(requests)).toBeLessThanOrEqual(LIMIT);
  });

  it('keeps every server window at the limit under random delays up to 400 ms, one client or three', () => {
    for (const clients of [1, 3]) {
      for (let seed = 1; seed <= 20; seed++) {
        const next = random(seed);
        const delays = Array.from({ length: 300 }, () => (next() < 0.1 ? 400 * next() : 5 * next()));
        const requests = simulate(new SlidingPacer(LIMIT, WINDOW_MS), delays.length, clients, (i) => delays[i]);
        expect(busiestWindow(requests), `seed ${seed}, ${clients} clients`).toBeLessThanOrEqual(LIMIT);
      }
    }
  });

  it('still uses most of the budget when answers come fast', () => {
    // Without this a pacer that waits far too long would pass the two cases above.
    const requests = simulate(new SlidingPacer(LIMIT, WINDOW_MS), 200, 1, () => 1);
    expect(busiestWindow(requests)).toBe(LIMIT);
    expect(rate(requests)).toBeGreaterThan(0.9 * LIMIT * (WINDOW_MS / (WINDOW_MS + 50)));
  });

  it('a request that never comes back holds its slot only until its time-out', () => {
    const pacer = new SlidingPacer(2, WINDOW_MS, 50, 5_000);
    pacer.sent(0); // lost: its answer never arrives
    pacer.sent(0)(10);
    expect(pacer.delayMs(100)).toBe(10 + WINDOW_MS + 50 - 100);
    // The answered one frees its slot a window after its answer; the lost one only after its time-out.
    expect(pacer.delayMs(1_060)).toBe(0);
    pacer.sent(1_060)(1_070);
    expect(pacer.delayMs(1_100)).toBe(1_070 + WINDOW_MS + 50 - 1_100);
    const alone = new SlidingPacer(1, WINDOW_MS, 50, 5_000);
    alone.sent(0);
    expect(alone.delayMs(100)).toBe(5_000 + WINDOW_MS + 50 - 100);
  });

  it('holds everything until the server says the budget is back', () => {
    const pacer = new SlidingPacer(LIMIT, WINDOW_MS);
    pacer.holdUntil(700);
    expect(pacer.delayMs(200)).toBe(500);
    expect(pacer.delayMs(700)).toBe(0);
  });
});
