import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { counter, counterFrom, createRegistry, gaugeFrom, histogram, parseMetrics, startMetricsServer, sumSamples } from '../index.js';

async function get(url: string): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

describe('metrics', () => {
  it('serves the text format on a free port of the loopback: default metrics, helpers and values read at scrape', async () => {
    const registry = createRegistry('test');
    const jobs = counter(registry, 'cqt_test_jobs_total', 'jobs', ['queue']);
    const seconds = histogram(registry, 'cqt_test_duration_seconds', 'durations', ['queue']);
    const kept = { frames: 3 };
    counterFrom(registry, 'cqt_test_frames_total', 'frames kept by someone else', ['stream'], () => [[{ stream: 'a' }, kept.frames]]);
    gaugeFrom(registry, 'cqt_test_depth', 'queue depth', ['stream'], () => [[{ stream: 'a' }, 7], [{ stream: 'b' }, null]]);
    jobs.inc({ queue: 'noop' });
    seconds.observe({ queue: 'noop' }, 0.2);

    const server = await startMetricsServer(registry, { port: 0 });
    try {
      expect(server.host).toBe('127.0.0.1');
      expect(server.port).toBeGreaterThan(0);
      expect(server.url).toBe(`http://127.0.0.1:${server.port}/metrics`);
      const first = await get(server.url);
      expect(first.status).toBe(200);
      expect(first.type).toContain('text/plain; version=0.0.4');
      const samples = parseMetrics(first.body);
      expect(samples.get('cqt_info{command="test"}')).toBe(1);
      expect(samples.get('cqt_test_jobs_total{queue="noop"}')).toBe(1);
      expect(samples.get('cqt_test_duration_seconds_count{queue="noop"}')).toBe(1);
      expect(samples.get('cqt_test_duration_seconds_bucket{le="0.25",queue="noop"}')).toBe(1);
      expect(samples.get('cqt_test_duration_seconds_bucket{le="0.1",queue="noop"}')).toBe(0);
      expect(samples.get('cqt_test_frames_total{stream="a"}')).toBe(3);
      expect(samples.get('cqt_test_depth{stream="a"}')).toBe(7);
      expect([...samples.keys()].some((k) => k.startsWith('cqt_test_depth{stream="b"'))).toBe(false);
      expect(samples.get('process_resident_memory_bytes')).toBeGreaterThan(1e6);
      expect(sumSamples(samples, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);

      kept.frames = 10;
      const second = parseMetrics((await get(server.url)).body);
      expect(second.get('cqt_test_frames_total{stream="a"}')).toBe(10);
      expect((await get(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
    } finally {
      await server.close();
    }
    // Closed: the port refuses, and no handle of the server is left to hold the process.
    await expect(fetch(server.url)).rejects.toThrow();
    const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
    expect(handles.some((h) => (h as { constructor: { name: string } }).constructor.name === 'Server')).toBe(false);
  });

  it('binds the loopback only by default: another address of the machine is refused', async () => {
    const { networkInterfaces } = await import('node:os');
    const other = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    const server = await startMetricsServer(createRegistry('test'), { port: 0 });
    try {
      if (other) {
        await expect(new Promise((resolve, reject) => request({ host: other, port: server.port, path: '/metrics' }, resolve).on('error', reject).end())).rejects.toThrow(/ECONNREFUSED/);
      }
      expect((await get(server.url)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('reports a port in use as the listen error, and refuses names against the conventions', async () => {
    const a = await startMetricsServer(createRegistry('a'), { port: 0 });
    try {
      await expect(startMetricsServer(createRegistry('b'), { port: a.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await a.close();
    }
    const registry = createRegistry('test');
    expect(() => counter(registry, 'cqt_jobs', 'x')).toThrow(/_total/);
    expect(() => counter(registry, 'jobs_total', 'x')).toThrow(/cqt_/);
    expect(() => histogram(registry, 'cqt_Job_seconds', 'x')).toThrow(/snake_case/);
    expect(() => parseMetrics('not metrics at all')).toThrow(/not a metrics line/);
  });
});
