// `collect --metrics-port`: a Prometheus scrape over real HTTP while the collector runs against
// the fake exchange, on both stores; the numbers agree with the run summary's. And the binary with
// --log-format json: every stderr line is one JSON object; a port in use is one line, exit 2.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseMetrics, sumSamples } from '@cqt/metrics';
import type { FakeExchange } from '@cqt/testkit';
import { cqtBin, operatorEnv } from '@cqt/test-support/cqt';
import { createTestDatabase } from '@cqt/test-support/pg';
import { tempDir } from '@cqt/test-support/tmp';
import { waitFor } from '@cqt/test-support/wait';
import { collectorEnv, fakeExchange, startCollect } from './support.js';

const dir = tempDir('cqt-collect-metrics-');
const fxs: FakeExchange[] = [];
afterAll(async () => {
  await Promise.all(fxs.map((fx) => fx.close()));
  dir.remove();
});

const scrape = async (url: string) => {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return parseMetrics(await res.text());
};

describe.each(['embedded', 'postgres'] as const)('collect --metrics-port [%s]', (backend) => {
  it('serves frames, lag, feed events and writer metrics that grow while it runs and match the summary', async () => {
    const fx = await fakeExchange({ seed: 11 });
    fxs.push(fx);
    const pg = backend === 'postgres' ? await createTestDatabase() : null;
    const store = pg ? { databaseUrl: pg.url } : { dataDir: join(dir.path, backend) };
    const c = startCollect({ env: collectorEnv(fx), ...store, metricsPort: 0 });
    try {
      const url = await waitFor('the metrics URL in the log', async () => c.logs.map((l) => /metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(l)?.[1]).find(Boolean));
      expect(url).not.toMatch(/:0\//);
      let last = new Map<string, number>();
      const first = await waitFor('upbit frames and market_1s rows in a scrape', async () => {
        const m = (last = await scrape(url));
        return (m.get('cqt_collect_frames_total{venue="upbit",stream="upbit"}') ?? 0) > 0 && (m.get('cqt_collect_rows_written_total{table="market_1s"}') ?? 0) > 0 ? m : null;
      }, { timeoutMs: 60_000, detail: () => `${[...last].filter(([k]) => k.startsWith('cqt_collect')).join('\n')}\n${c.logs.join('\n')}` });
      const frames = (m: Map<string, number>) => m.get('cqt_collect_frames_total{venue="upbit",stream="upbit"}')!;
      await waitFor('more upbit frames in a later scrape', async () => frames(await scrape(url)) > frames(first));
      const m = await scrape(url);
      expect(m.get('cqt_collect_stream_lag_seconds{venue="upbit",stream="upbit"}')).toBeGreaterThanOrEqual(0);
      expect(m.get('cqt_collect_reconnects_total{venue="binance",stream="binance"}')).toBe(0);
      expect(m.get('cqt_collect_parse_errors_total{venue="upbit",stream="upbit"}')).toBe(0);
      expect(m.get('cqt_collect_feed_events_total{source="upbit.ws",kind="connect"}')).toBe(1);
      expect(m.get('cqt_collect_rows_dropped_total{table="market_1s"}')).toBe(0);
      expect(m.get('cqt_collect_writer_queue_rows{table="market_1s"}')).toBeGreaterThanOrEqual(0);
      expect(m.get('cqt_info{command="collect"}')).toBe(1);
      expect(m.get('process_resident_memory_bytes')).toBeGreaterThan(1e6);
      expect(sumSamples(m, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);

      const result = await c.stop();
      // The same counts as the summary: scraped a moment before the stop, so never above it.
      expect(frames(m)).toBeLessThanOrEqual(result.streams.find((s) => s.name === 'upbit')!.frames);
      expect(m.get('cqt_collect_rows_written_total{table="market_1s"}')).toBeLessThanOrEqual(result.rowsWritten.market_1s);
      await expect(fetch(url)).rejects.toThrow();
    } finally {
      c.stop();
      await c.done.catch(() => {});
      await pg?.drop();
    }
  });
});

it('--log-format json writes one JSON object per stderr line; a metrics port in use is one line, exit 2', async () => {
  const fx = await fakeExchange({ seed: 12 });
  fxs.push(fx);
  const env = operatorEnv({ ...collectorEnv(fx), CQT_DATA_DIR: join(dir.path, 'json'), COINGLASS_API_KEY: 'cqt-test-coinglass-key-000000000001' });
  const child = spawn(process.execPath, [cqtBin, 'collect', '--duration', '4', '--status-interval', '1', '--log-format', 'json', '--metrics-port', '0', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  expect(code, stderr).toBe(0);
  const lines = stderr.trimEnd().split('\n');
  const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  for (const r of records) {
    expect(r).toMatchObject({ level: expect.any(String), command: 'collect', event: expect.any(String) });
    expect(Number.isNaN(Date.parse(r.time as string))).toBe(false);
  }
  expect(records.some((r) => r.event === 'message' && /metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/.test(r.msg as string))).toBe(true);
  expect(records.some((r) => r.event === 'status' && Array.isArray(r.streams))).toBe(true);
  expect(stderr).not.toContain('cqt-test-coinglass-key-000000000001');
  expect(JSON.parse(stdout).rowsWritten.market_1s).toBeGreaterThan(0);

  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const port = (busy.address() as { port: number }).port;
  try {
    const taken = spawn(process.execPath, [cqtBin, 'collect', '--duration', '2', '--metrics-port', String(port)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    taken.stderr.on('data', (d) => (err += d));
    expect(await new Promise((r) => taken.on('exit', r))).toBe(2);
    expect(err).toBe(`error: --metrics-port ${port} on 127.0.0.1 is already in use\nhint: choose another --metrics-port (0 picks a free one), or stop the process using it\n`);
  } finally {
    busy.close();
  }
});
