// `cqt monitor` as an operator runs it (the built binary against PostgreSQL, a webhook receiver on
// loopback): --once from cron announces what `cqt status` and `cqt check all` say changed, once;
// a webhook that is down holds the messages for the next run; SIGTERM stops the loop; bad flags
// exit 2; the webhook URL never appears in any output.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '@cqt/test-support/pg';
import { AS_OF, seedHealthy, seededDatabase } from '@cqt/test-support/seed';
import { runCqt, startCqt } from '@cqt/test-support/cqt';
import { waitFor } from '@cqt/test-support/wait';
import { startReceiver, type Receiver } from './receiver.js';

const AS_OF_ISO = new Date(AS_OF).toISOString();
const LATER_ISO = new Date(AS_OF + 3_600_000).toISOString();

/** Runs `cqt args…` to its end without blocking this process (the receiver answers meanwhile). */
async function cqt(args: string[], env: Record<string, string>) {
  const run = startCqt(args, env);
  await run.exited;
  return { code: run.exitCode, stdout: run.stdout, stderr: run.stderr };
}

describe('cqt monitor (built binary, PostgreSQL)', () => {
  let pg: TestDatabase;
  let hook: Receiver;
  let env: Record<string, string>;
  const seen = () => hook.accepted.map((m) => `${m.subject}: ${m.from} → ${m.to}`).sort();

  beforeAll(async () => {
    pg = await seededDatabase((db) => seedHealthy(db, { market: 'KRW-OK', symbol: 'OKUSDT' }));
    hook = await startReceiver();
    env = { CQT_UPBIT_MARKETS: 'KRW-OK', CQT_BINANCE_SYMBOLS: 'OKUSDT', DATABASE_URL: pg.url, CQT_MONITOR_WEBHOOK_URL: hook.url };
  });
  afterAll(async () => {
    await hook?.close();
    await pg?.drop();
  });

  it('--once: the first run records a baseline; what fails from the start is announced once', async () => {
    const r = await cqt(['monitor', '--once', '--as-of', AS_OF_ISO, '--json'], env);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ once: true, polls: 1, failedPolls: 0, pending: 0, webhook: { from: 'CQT_MONITOR_WEBHOOK_URL', value: `set (len ${hook.url.length})` } });
    // `cqt check all` at that instant: the seeded snapshots are not recomputable, leak fails.
    const gates = JSON.parse(runCqt(['check', 'all', '--as-of', AS_OF_ISO, '--json'], env).stdout);
    const failing = gates.checks.filter((c: { overall: string }) => c.overall === 'fail').map((c: { check: string }) => `gate ${c.check}: new → fail`);
    expect(failing).toEqual(['gate leak: new → fail']);
    expect(seen()).toEqual(failing);
    expect(result.sent).toBe(1);
  });

  it('--once an hour later with the webhook down: held, then told once when it is back, never twice', async () => {
    hook.accepted.length = 0;
    await hook.down();
    const down = await cqt(['monitor', '--once', '--as-of', LATER_ISO, '--json'], env);
    expect(down.code).toBe(0);
    const held = JSON.parse(down.stdout);
    expect(held.sent).toBe(0);
    expect(held.pending).toBeGreaterThan(0);
    expect(down.stderr).toBe(`monitor: webhook (CQT_MONITOR_WEBHOOK_URL) failed after 3 tries: ECONNREFUSED; ${held.pending} transition(s) held for the next poll\n`);

    await hook.up();
    const up = await cqt(['monitor', '--once', '--as-of', LATER_ISO, '--json'], env);
    expect(up.code).toBe(0);
    expect(JSON.parse(up.stdout)).toMatchObject({ sent: held.pending, pending: 0 });

    // What the status and the gates commands say changed between the two instants, and nothing else.
    const statusThen = JSON.parse(runCqt(['status', '--as-of', AS_OF_ISO, '--json'], env).stdout);
    const statusNow = JSON.parse(runCqt(['status', '--as-of', LATER_ISO, '--json'], env).stdout);
    const classThen = new Map(statusThen.sources.map((s: { source: string; key: string; class: string }) => [`${s.source} ${s.key}`, s.class]));
    const sourceChanges = statusNow.sources
      .filter((s: { source: string; key: string; class: string }) => classThen.get(`${s.source} ${s.key}`) !== s.class)
      .map((s: { source: string; key: string; class: string }) => `${s.source} ${s.key}: ${classThen.get(`${s.source} ${s.key}`)} → ${s.class}`);
    const gatesNow = JSON.parse(runCqt(['check', 'all', '--as-of', LATER_ISO, '--json'], env).stdout);
    const gateChanges = gatesNow.checks
      .filter((c: { check: string; overall: string }) => c.overall === 'fail' && c.check !== 'leak')
      .map((c: { check: string }) => `gate ${c.check}: pass → fail`);
    expect(sourceChanges.length).toBeGreaterThan(3);
    expect(gateChanges).toContain('gate altdata: pass → fail');
    expect(seen()).toEqual([...sourceChanges, ...gateChanges].sort());
    expect(hook.accepted).toHaveLength(held.pending);

    const again = await cqt(['monitor', '--once', '--as-of', LATER_ISO, '--json'], env);
    expect(JSON.parse(again.stdout)).toMatchObject({ sent: 0, pending: 0 });
    expect(hook.accepted).toHaveLength(held.pending);
    expect(down.stdout + down.stderr + up.stdout + up.stderr + again.stdout + again.stderr).not.toContain(hook.token);
  });

  it('human output of --once: one line per transition, then the tally', async () => {
    const r = await cqt(['monitor', '--once', '--as-of', new Date(AS_OF + 7_200_000).toISOString(), '--webhook', hook.url], { ...env, CQT_MONITOR_WEBHOOK_URL: '' });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(/^monitor: 1 poll\(s\), \d+ transition\(s\) sent to the webhook from --webhook$/);
    expect(r.stdout + r.stderr).not.toContain(hook.token);
  });

  it('the loop stops on SIGTERM with exit 0; without a webhook transitions are only logged', async () => {
    const run = startCqt(['monitor', '--interval', '1s'], { ...env, CQT_MONITOR_WEBHOOK_URL: '' });
    await waitFor('the start line', async () => run.stderr.includes('monitor: polling every 1 s'), { failIf: () => (run.exitCode !== undefined ? `exited ${run.exitCode}: ${run.stderr}` : undefined) });
    expect(run.stderr).toMatch(/no webhook set: transitions are only logged; SIGINT\/SIGTERM stops\n/);
    run.child.kill('SIGTERM');
    await run.exited;
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toMatch(/monitor: stopped\n$/);
    expect(run.stdout).toMatch(/^monitor: \d+ poll\(s\), \d+ transition\(s\) sent to the log \(no webhook set\)\n$/);
  });

  it('bad flags exit 2 with one line; a bad --webhook is not echoed', async () => {
    const interval = runCqt(['monitor', '--interval', '0s'], env);
    expect(interval.code).toBe(2);
    expect(interval.stderr.split('\n')[0]).toBe('error: invalid --interval "0s"');
    const webhook = runCqt(['monitor', '--once', '--webhook', 'ftp://hooks.example.com/T0KEN-xyz-123456'], env);
    expect(webhook.code).toBe(2);
    expect(webhook.stderr.split('\n')[0]).toBe('error: invalid --webhook (not an http:// or https:// URL; value not shown, it is a secret)');
    expect(webhook.stderr).not.toContain('T0KEN');
    const asOf = runCqt(['monitor', '--as-of', AS_OF_ISO], env);
    expect(asOf.code).toBe(2);
    expect(asOf.stderr.split('\n')[0]).toBe('error: --as-of applies to --once only');
    const symbol = runCqt(['monitor', '--once', '--source', 'orders'], env);
    expect(symbol.code).toBe(2);
    expect(symbol.stderr.split('\n')[0]).toBe('error: unknown --source orders');
    const config = runCqt(['config', '--json'], env);
    expect(config.stdout).toContain(`set (len ${hook.url.length})`);
    expect(config.stdout).not.toContain(hook.token);
  });
});
