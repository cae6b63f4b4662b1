// Coinglass: a stated skip when disabled; enabled without a real key fails; recent call status
// passes when all calls succeeded, warns on some failures, fails on many or none.
import { beforeAll, describe, expect, it } from 'vitest';
import type { CheckItem, CheckReport } from '@cqt/checks';
import { describeBackends } from '@cqt/test-support/backends';
import { AS_OF, PLACEHOLDER_KEY, REAL_KEY, SEC, insert, recordQueries, unindexedReads } from '@cqt/test-support/seed';
import { output, run, type CoinglassOptions } from '../index.js';

const HOUR = 3600 * SEC;
const ENDPOINT = '/api/futures/liquidation/aggregated-map';
const enabled = (key?: string) => ({ COINGLASS_ENABLED: 'true', ...(key === undefined ? {} : { COINGLASS_API_KEY: key }) });

function item(report: CheckReport, name: string): CheckItem {
  const found = report.items.find((i) => i.name === name);
  if (!found) throw new Error(`no item ${name}`);
  return found;
}

describe('check coinglass without calls to judge', () => {
  // No store is opened when nothing is polled: this URL would fail if it were used.
  const check = (env: NodeJS.ProcessEnv) => run({ asOf: AS_OF, env: { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', ...env } });

  it('disabled: every item a stated skip, overall skip, exit 0', async () => {
    const report = await check({ COINGLASS_API_KEY: REAL_KEY });
    expect(report.items.map((i) => [i.name, i.status, i.observed])).toEqual([
      ['coinglass.enabled', 'skip', false],
      ['coinglass.api_key', 'skip', 'set (len 32)'],
      ['coinglass_call_status.ok_rate', 'skip', null],
    ]);
    expect(report.overall).toBe('skip');
    expect(output(report).exitCode).toBe(0);
    expect(JSON.stringify(output(report).json)).not.toContain(REAL_KEY);
  });

  it.each([
    { name: 'a placeholder key', env: enabled(PLACEHOLDER_KEY), observed: 'placeholder' },
    { name: 'no key', env: enabled(), observed: 'missing' },
    { name: 'a short key', env: enabled('abc123'), observed: 'placeholder' },
  ])('enabled with $name: the key item fails (exit 1)', async ({ env, observed }) => {
    const report = await check(env);
    expect(item(report, 'coinglass.enabled')).toMatchObject({ status: 'pass', observed: true });
    expect(item(report, 'coinglass.api_key')).toMatchObject({ status: 'fail', observed, threshold: { expect: 'a real key' } });
    expect(item(report, 'coinglass_call_status.ok_rate')).toMatchObject({ status: 'skip', detail: 'skipped: no real key, so nothing is polled' });
    expect(output(report).exitCode).toBe(1);
  });
});

describeBackends('check coinglass call status', ({ db, backend }) => {
  const check = (asOfMs: number, options: CoinglassOptions = {}) => run({ db: db(), asOf: asOfMs, env: enabled(REAL_KEY), ...options });
  const calls = (endMs: number, ok: boolean[]) =>
    ok.map((good, i) => ({
      ts: new Date(endMs - (850 - i * 300) * SEC),
      endpoint: ENDPOINT,
      ok: good,
      httpStatus: good ? 200 : 429,
      errorMsg: good ? null : 'rate_limited: Too Many Requests',
    }));

  beforeAll(async () => {
    await insert(db(), 'coinglass_call_status', [
      ...calls(AS_OF, [true, true, true]),
      ...calls(AS_OF + HOUR, [true, false, true]),
      ...calls(AS_OF + 2 * HOUR, [false, false, true]),
      // After as-of: never counted at AS_OF.
      { ts: new Date(AS_OF + 10 * SEC), endpoint: ENDPOINT, ok: false, httpStatus: 500, errorMsg: 'later' },
    ]);
  });

  it('every recent call ok passes; calls are counted over at least 3 polls', async () => {
    const report = await check(AS_OF);
    expect(item(report, 'coinglass_call_status.ok_rate')).toMatchObject({ status: 'pass', observed: 1, windowSec: 900, detail: '3 of 3 calls ok' });
    expect(report.overall).toBe('pass');
    expect(output(report).exitCode).toBe(0);
  });

  it('some failures warn, naming the last; most failing fails; --min-ok-rate moves the bar', async () => {
    const some = await check(AS_OF + HOUR);
    expect(item(some, 'coinglass_call_status.ok_rate')).toMatchObject({
      status: 'warn',
      observed: 2 / 3,
      detail: `2 of 3 calls ok; last failure 2026-11-23T10:50:50.000Z ${ENDPOINT}: 429 rate_limited: Too Many Requests`,
    });
    const most = await check(AS_OF + 2 * HOUR);
    expect(item(most, 'coinglass_call_status.ok_rate')).toMatchObject({ status: 'fail', threshold: { min: 0.5, warnBelow: 1 } });
    expect(output(most).exitCode).toBe(1);
    const lenient = await check(AS_OF + 2 * HOUR, { minOkRate: '30%' });
    expect(item(lenient, 'coinglass_call_status.ok_rate').status).toBe('warn');
  });

  it('no calls in the window fails', async () => {
    const report = await check(AS_OF + 5 * HOUR, { window: '1h' });
    expect(item(report, 'coinglass_call_status.ok_rate')).toMatchObject({ status: 'fail', observed: 0, windowSec: 3600, detail: expect.stringContaining('no calls in the last 3600 s') });
  });

  it.runIf(backend === 'postgres')('reads only primary-key ranges: no query needs a sequential scan', async () => {
    const recorded = recordQueries(db());
    await run({ db: recorded.db, asOf: AS_OF + HOUR, env: enabled(REAL_KEY) });
    expect(recorded.queries.length).toBe(2);
    expect(await unindexedReads(db(), recorded.queries)).toEqual([]);
  });
});
