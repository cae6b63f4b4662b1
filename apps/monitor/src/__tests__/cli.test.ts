// `cqt monitor` as an operator runs it (the built binary, on PostgreSQL and on the embedded store,
// a webhook receiver on loopback): --once from cron announces what `cqt status` and `cqt check
// all` say changed, once — the gates are check all's own runner, handed in by the binary; a
// webhook that is down holds the messages for the next run; SIGTERM stops the loop; bad flags
// exit 2; the webhook URL never appears in any output.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '@cqt/db';
import { createTestDatabase, type TestDatabase } from '@cqt/test-support/pg';
import { tempDir } from '@cqt/test-support/tmp';
import { AS_OF, seedHealthy } from '@cqt/test-support/seed';
import { runCqt, startCqt } from '@cqt/test-support/cqt';
import { waitFor } from '@cqt/test-support/wait';
import { startReceiver, type Receiver } from './receiver.js';

const iso = (offsetSec: number) => new Date(AS_OF + offsetSec * 1000).toISOString();
const AS_OF_ISO = iso(0);
const LATER_ISO = iso(3600);
const BACK_SEC = 3780;
/** A test spawns up to 7 cqt processes; on the embedded store each opens it anew (seconds each on a loaded machine). */
const SLOW_MS = 240_000;

/** Runs `cqt args…` to its end without blocking this process (the receiver answers meanwhile). */
async function cqt(args: string[], env: Record<string, string>) {
  const run = startCqt(args, env);
  await run.exited;
  return { code: run.exitCode, stdout: run.stdout, stderr: run.stderr };
}

type Row = { source: string; key: string; class: string };
type Gate = { check: string; overall: string };

describe.each(['postgres', 'embedded'] as const)('cqt monitor (built binary) [%s]', (backend) => {
  let pg: TestDatabase | null = null;
  let dir: ReturnType<typeof tempDir> | null = null;
  let hook: Receiver;
  let env: Record<string, string>;
  const open = (): Promise<Db> => (backend === 'postgres' ? openDb({ databaseUrl: pg!.url }) : openDb({ dataDir: dir!.path }));
  /** Seeds with a handle of this process, closed before the binary runs (the embedded store has one owner). */
  const seed = async (asOfMs: number) => {
    const db = await open();
    try {
      await seedHealthy(db, { market: 'KRW-OK', symbol: 'OKUSDT', asOfMs });
    } finally {
      await db.close();
    }
  };
  const seen = () => hook.accepted.map((m) => `${m.subject}: ${m.from} → ${m.to}`).sort();
  const status = (at: string): Row[] => JSON.parse(runCqt(['status', '--as-of', at, '--json'], env).stdout).sources;
  const gates = (at: string): Gate[] => JSON.parse(runCqt(['check', 'all', '--as-of', at, '--json'], env).stdout).checks;
  /** What `cqt status` and `cqt check all` say at an instant, keyed as the monitor keys them. */
  const judged = (at: string) =>
    new Map<string, string>([...status(at).map((s): [string, string] => [`${s.source} ${s.key}`, s.class]), ...gates(at).map((g): [string, string] => [`gate ${g.check}`, g.overall])]);
  /** What changed between two judgements, as "subject: from → to". */
  const changes = (before: Map<string, string>, after: Map<string, string>) =>
    [...after].filter(([k, v]) => before.get(k) !== v).map(([k, v]) => `${k}: ${before.get(k)} → ${v}`).sort();

  beforeAll(async () => {
    if (backend === 'postgres') pg = await createTestDatabase();
    else dir = tempDir('cqt-monitor-cli-');
    await seed(AS_OF);
    hook = await startReceiver();
    const store: Record<string, string> = backend === 'postgres' ? { DATABASE_URL: pg!.url } : { CQT_DATA_DIR: dir!.path };
    env = { CQT_UPBIT_MARKETS: 'KRW-OK', CQT_BINANCE_SYMBOLS: 'OKUSDT', CQT_MONITOR_WEBHOOK_URL: hook.url, ...store };
  }, SLOW_MS);
  afterAll(async () => {
    await hook?.close();
    await pg?.drop();
    dir?.remove();
  }, SLOW_MS);

  it('--once: the first run records a baseline; what fails from the start is announced once', async () => {
    const r = await cqt(['monitor', '--once', '--as-of', AS_OF_ISO, '--json'], env);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ once: true, polls: 1, failedPolls: 0, sent: 1, pending: 0, webhook: { from: 'CQT_MONITOR_WEBHOOK_URL', value: `set (len ${hook.url.length})` } });
    // `cqt check all` at that instant: the seeded snapshots are not recomputable, leak fails.
    expect(gates(AS_OF_ISO).filter((g) => g.overall === 'fail' || g.overall === 'warn').map((g) => `${g.check} ${g.overall}`)).toEqual(['leak fail']);
    expect(seen()).toEqual(['gate leak: new → fail']);
  }, SLOW_MS);

  it('an hour later with the webhook down: held, then told once when it is back — what status and check all say changed', async () => {
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
    const expected = changes(judged(AS_OF_ISO), judged(LATER_ISO));
    expect(expected).toContain('gate altdata: pass → fail');
    expect(expected).toContain('market_1s KRW-OK: fresh → hard_stale');
    expect(seen()).toEqual(expected);
    expect(hook.accepted).toHaveLength(held.pending);

    // The gate's message names the failing items with what was observed and what was wanted.
    const altdata = hook.accepted.find((m) => m.key === 'gate:altdata')!;
    expect(altdata).toMatchObject({ kind: 'gate', subject: 'gate altdata', since: LATER_ISO, asOf: LATER_ISO, recovered: false });
    expect(altdata.detail).toMatch(/^binance_mark_price_1s\.lag\[OKUSDT\] 3601 s \(want ≤ 60 s \(warn > 5 s\)\); binance_mark_price_1s\.fill\[OKUSDT\] 0 % \(want ≥ 95 %\); .*; and \d+ more \[0 pass, 0 warn, \d+ fail, \d+ skip\]$/);
    expect(altdata.text).toBe(`cqt monitor: gate altdata pass → fail: ${altdata.detail}`);

    const again = await cqt(['monitor', '--once', '--as-of', LATER_ISO, '--json'], env);
    expect(JSON.parse(again.stdout)).toMatchObject({ sent: 0, pending: 0 });
    expect(hook.accepted).toHaveLength(held.pending);
    expect(down.stdout + down.stderr + up.stdout + up.stderr + again.stdout + again.stderr).not.toContain(hook.token);
  }, SLOW_MS);

  it('data again: each recovered gate and source is announced back once; human output lists them', async () => {
    hook.accepted.length = 0;
    // Judged before the seed: its rows reach back before LATER and would change that instant too.
    const before = judged(LATER_ISO);
    await seed(AS_OF + BACK_SEC * 1000);
    const back = iso(BACK_SEC);
    const expected = changes(before, judged(back));
    expect(expected).toContain('gate altdata: fail → pass');
    expect(expected).toContain('market_1s KRW-OK: hard_stale → fresh');
    // --webhook instead of the variable: same hook, and the URL still never shows.
    const r = await cqt(['monitor', '--once', '--as-of', back, '--webhook', hook.url], { ...env, CQT_MONITOR_WEBHOOK_URL: '' });
    expect(r.code).toBe(0);
    expect(seen()).toEqual(expected);
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, -1).sort()).toEqual(hook.accepted.map((m) => m.text).sort());
    expect(lines.at(-1)).toBe(`monitor: 1 poll(s), ${expected.length} transition(s) sent to the webhook from --webhook`);
    expect(r.stdout + r.stderr).not.toContain(hook.token);
  }, SLOW_MS);

  it('the loop stops on SIGTERM with exit 0; without a webhook transitions are only logged', async () => {
    const run = startCqt(['monitor', '--interval', '1s'], { ...env, CQT_MONITOR_WEBHOOK_URL: '' });
    await waitFor('the start line', async () => run.stderr.includes('monitor: polling every 1 s'), { failIf: () => (run.exitCode !== undefined ? `exited ${run.exitCode}: ${run.stderr}` : undefined) });
    expect(run.stderr).toMatch(/no webhook set: transitions are only logged; SIGINT\/SIGTERM stops\n/);
    run.child.kill('SIGTERM');
    await run.exited;
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toMatch(/monitor: stopped\n$/);
    expect(run.stdout).toMatch(/^monitor: \d+ poll\(s\), \d+ transition\(s\) sent to the log \(no webhook set\)\n$/);
  }, SLOW_MS);

  it('bad flags exit 2 with one line; a bad --webhook is not echoed; cqt config masks the URL', async () => {
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
    const source = runCqt(['monitor', '--once', '--source', 'orders'], env);
    expect(source.code).toBe(2);
    expect(source.stderr.split('\n')[0]).toBe('error: unknown --source orders');
    const config = runCqt(['config', '--json'], env);
    expect(config.stdout).toContain(`set (len ${hook.url.length})`);
    expect(config.stdout).not.toContain(hook.token);
  }, SLOW_MS);
});
