// GET /metrics on the serve port: request durations by route pattern (never the raw URL), over
// real HTTP on both stores; behind the bearer token when one is set; and the built binary with
// --log-format json writes one JSON object per stderr line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMetrics } from '@cqt/metrics';
import { describeBackends } from '@cqt/test-support/backends';
import { startCqt } from '@cqt/test-support/cqt';
import type { TestDatabase } from '@cqt/test-support/pg';
import { seedHealthy, seededDatabase } from '@cqt/test-support/seed';
import { waitFor } from '@cqt/test-support/wait';
import { startServer, type RunningServer } from '../index.js';

const ENV = { CQT_UPBIT_MARKETS: 'KRW-A', CQT_BINANCE_SYMBOLS: 'AUSDT' };
const TOKEN = 'serve-metrics-token-0123456789';

describeBackends('cqt serve /metrics', ({ db }) => {
  let server: RunningServer;
  let guarded: RunningServer;
  beforeAll(async () => {
    server = await startServer({ db: db(), env: ENV, port: 0 });
    guarded = await startServer({ db: db(), env: { ...ENV, CQT_SERVE_TOKEN: TOKEN }, port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await guarded?.close();
  });

  it('observes each request under its route pattern, method and status code', async () => {
    expect((await fetch(`${server.url}/api/status`)).status).toBe(200);
    expect((await fetch(`${server.url}/api/status`)).status).toBe(200);
    expect((await fetch(`${server.url}/api/backtests/12345`)).status).toBe(404);
    expect((await fetch(`${server.url}/api/status?symbol=%%`)).status).toBe(400);
    expect((await fetch(`${server.url}/no/such/path`)).status).toBe(404);
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const m = parseMetrics(await res.text());
    expect(m.get('cqt_serve_request_duration_seconds_count{route="/api/status",method="GET",code="200"}')).toBe(2);
    expect(m.get('cqt_serve_request_duration_seconds_sum{route="/api/status",method="GET",code="200"}')).toBeGreaterThan(0);
    expect(m.get('cqt_serve_request_duration_seconds_count{route="/api/backtests/:id",method="GET",code="404"}')).toBe(1);
    expect(m.get('cqt_serve_request_duration_seconds_count{route="/api/status",method="GET",code="400"}')).toBe(1);
    expect(m.get('cqt_serve_request_duration_seconds_count{route="unmatched",method="GET",code="404"}')).toBe(1);
    expect([...m.keys()].some((k) => k.includes('12345') || k.includes('/no/such'))).toBe(false);
    expect(m.get('cqt_info{command="serve"}')).toBe(1);
    expect(m.get('process_resident_memory_bytes')).toBeGreaterThan(1e6);
  });

  it('with a token, /metrics needs it like /api does', async () => {
    expect((await fetch(`${guarded.url}/metrics`)).status).toBe(401);
    const res = await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(parseMetrics(await res.text()).get('cqt_info{command="serve"}')).toBe(1);
  });
});

describe('cqt serve --log-format json (built binary, PostgreSQL)', () => {
  let pg: TestDatabase;
  beforeAll(async () => {
    pg = await seededDatabase((db) => seedHealthy(db, { market: 'KRW-A', symbol: 'AUSDT' }));
  });
  afterAll(async () => pg?.drop());

  it('logs one JSON object per stderr line and serves /metrics on its port', async () => {
    const run = startCqt(['serve', '--port', '0', '--log-format', 'json'], { ...ENV, DATABASE_URL: pg.url });
    try {
      const url = await waitFor('the listening line', async () => /listening on (http:\/\/[\d.:]+)/.exec(run.stderr)?.[1], {
        timeoutMs: 30_000,
        failIf: () => (run.exitCode !== undefined ? `serve exited ${run.exitCode}` : undefined),
        detail: () => run.stderr,
      });
      const m = parseMetrics(await (await fetch(`${url}/metrics`)).text());
      expect(m.get('cqt_info{command="serve"}')).toBe(1);
      run.child.kill('SIGTERM');
      await run.exited;
      expect(run.exitCode).toBe(0);
      const records = run.stderr.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(records.map((r) => [r.command, r.event, r.level])).toEqual([
        ['serve', 'message', 'info'],
        ['serve', 'message', 'info'],
      ]);
      expect(records[0].msg).toMatch(/^serve: listening on http:\/\/127\.0\.0\.1:\d+ .*metrics at http:\/\/127\.0\.0\.1:\d+\/metrics/);
      expect(records[1].msg).toBe('serve: stopped');
    } finally {
      if (run.exitCode === undefined) run.child.kill('SIGKILL');
    }
  });
});
