import { describe, expect, it } from 'vitest';
import { checkConfig, describeConfig, describeSecret, isRealKey, loadConfig, maskUrl, parseDurationSec, parseTimeMs, UsageError } from '../index.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@cqt/test-support/tmp';

const REAL = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

describe('secrets', () => {
  it.each([
    [undefined, false], ['', false], ['   ', false], ['short', false], ['your_key_here', false], ['YOUR-API-KEY', false],
    ['changeme', false], ['xxxxxxxxxxxxxxxxxxxx', false], ['__PUT_REAL_KEY_HERE__', false], ['<coinglass key>', false],
    ['${COINGLASS_API_KEY}', false], ['****************', false], ['has a space in it 1234', false], [REAL, true],
  ])('isRealKey(%j) = %s', (value, real) => {
    expect(isRealKey(value)).toBe(real);
  });

  it('describes, never reveals', () => {
    expect(describeSecret(REAL)).toBe('set (len 32)');
    expect(describeSecret('xxx')).toBe('placeholder');
    expect(describeSecret(undefined)).toBe('missing');
    expect(maskUrl('postgres://u:pw@h:5432/d')).toBe('postgres://u:***@h:5432/d');
    expect(maskUrl('postgres://h/d')).toBe('postgres://h/d');
  });
});

describe('durations and times', () => {
  it.each([['90', 90], ['90s', 90], ['10m', 600], ['24h', 86400], ['7d', 604800], ['1.5h', 5400]])('%s → %i s', (t, s) => {
    expect(parseDurationSec(t)).toBe(s);
  });
  it.each(['', 'abc', '10x', '-5', '5 m m'])('rejects %j with a usage error', (t) => {
    expect(() => parseDurationSec(t, '--window')).toThrow(UsageError);
  });
  it('reads ISO 8601 with a zone and epoch ms, as UTC whatever the host zone', () => {
    expect(process.env.TZ).toBe('Asia/Seoul');
    expect(parseTimeMs('2026-11-23T10:00:00Z')).toBe(Date.UTC(2026, 10, 23, 10));
    expect(parseTimeMs('2026-11-23T19:00:00+09:00')).toBe(Date.UTC(2026, 10, 23, 10));
    expect(parseTimeMs('2026-11-23')).toBe(Date.UTC(2026, 10, 23));
    expect(parseTimeMs('1795428000000')).toBe(1795428000000);
  });
  it('refuses a zone-less time instead of guessing the zone', () => {
    let err: UsageError | undefined;
    try {
      parseTimeMs('2026-11-23T10:00:00', '--as-of');
    } catch (e) {
      err = e as UsageError;
    }
    expect(err?.message).toBe('invalid --as-of "2026-11-23T10:00:00"');
    expect(err?.hint).toMatch(/with a zone/);
    expect(() => parseTimeMs('yesterday')).toThrow(UsageError);
  });
});

describe('loadConfig', () => {
  it('takes flags over environment over .env over defaults, and records the source', () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir.path, '.env'), 'CQT_DATA_DIR=/dotenv\nBINANCE_POLL_SEC=30\nCOINGLASS_POLL_SEC=120\n');
      const c = loadConfig({ cwd: dir.path, env: { CQT_DATA_DIR: '/env', COINGLASS_POLL_SEC: '90' }, flags: { dataDir: '/flag' } });
      expect(c.values.dataDir).toBe('/flag');
      expect(c.sources.dataDir).toBe('flag');
      expect([c.values.coinglassPollSec, c.sources.coinglassPollSec]).toEqual([90, 'env']);
      expect([c.values.binancePollSec, c.sources.binancePollSec]).toEqual([30, '.env']);
      expect([c.values.retentionDays, c.sources.retentionDays]).toEqual([7, 'default']);
      expect(c.values.upbitMarkets).toEqual(['KRW-BTC']);
    } finally {
      dir.remove();
    }
  });

  it.each([
    [{ BINANCE_POLL_SEC: '0' }, /BINANCE_POLL_SEC="0"/],
    [{ UPBIT_WS_URL: 'http://x' }, /UPBIT_WS_URL/],
    [{ DATABASE_URL: 'mysql://u:pw@h/d' }, /DATABASE_URL="mysql:\/\/u:\*\*\*@h\/d"/],
    [{ CQT_UPBIT_MARKETS: 'krw-btc' }, /CQT_UPBIT_MARKETS/],
    [{ COINGLASS_ENABLED: 'maybe' }, /COINGLASS_ENABLED/],
    [{ CQT_LOG_LEVEL: 'loud' }, /CQT_LOG_LEVEL/],
  ])('rejects %j with one line naming the variable', (env, re) => {
    const dir = tempDir();
    try {
      let err: unknown;
      try {
        loadConfig({ cwd: dir.path, env });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toMatch(re);
      expect((err as Error).message).not.toContain('\n');
      expect((err as UsageError).exitCode).toBe(2);
      expect((err as UsageError).hint).toMatch(/^expected /);
    } finally {
      dir.remove();
    }
  });

  it('masks a bad secret in the error', () => {
    const dir = tempDir();
    try {
      expect(() => loadConfig({ cwd: dir.path, env: { DATABASE_URL: 'notaurl:hunter2' } })).toThrow(UsageError);
    } finally {
      dir.remove();
    }
  });

  it('reads the job notification and results settings; the webhook URL is never shown', () => {
    const dir = tempDir();
    try {
      const hook = 'https://hooks.example.com/services/T000/B000/s3cr3tT0ken';
      const c = loadConfig({ cwd: dir.path, env: { CQT_NOTIFY_WEBHOOK_URL: hook, CQT_NOTIFY_ON: 'all', CQT_RESULTS_URL: 's3://cqt-results/team/a' } });
      expect([c.values.notifyWebhookUrl, c.values.notifyOn, c.values.resultsUrl]).toEqual([hook, 'all', 's3://cqt-results/team/a']);
      expect(loadConfig({ cwd: dir.path, env: {} }).values.notifyOn).toBe('dead');
      expect(loadConfig({ cwd: dir.path, env: { CQT_RESULTS_URL: 'file:///srv/cqt-results' } }).values.resultsUrl).toBe('file:///srv/cqt-results');
      const rows = describeConfig(c);
      expect(rows.find((r) => r.env === 'CQT_NOTIFY_WEBHOOK_URL')!.shown).toBe(`set (len ${hook.length})`);
      expect(JSON.stringify(rows)).not.toContain('s3cr3t');
    } finally {
      dir.remove();
    }
  });

  it.each([
    [{ CQT_NOTIFY_ON: 'sometimes' }, /CQT_NOTIFY_ON/],
    [{ CQT_RESULTS_URL: 'results/' }, /CQT_RESULTS_URL/],
    [{ CQT_RESULTS_URL: 'file://relative/path' }, /CQT_RESULTS_URL/],
    [{ CQT_RESULTS_URL: 's3://' }, /CQT_RESULTS_URL/],
  ])('rejects %j', (env, re) => {
    const dir = tempDir();
    try {
      expect(() => loadConfig({ cwd: dir.path, env })).toThrow(re);
    } finally {
      dir.remove();
    }
  });

  it('a bad webhook URL is rejected without being printed', () => {
    const dir = tempDir();
    try {
      let err: unknown;
      try {
        loadConfig({ cwd: dir.path, env: { CQT_NOTIFY_WEBHOOK_URL: 'ftp://hooks.example.com/s3cr3tT0ken' } });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).message).toMatch(/^invalid CQT_NOTIFY_WEBHOOK_URL=/);
      expect((err as UsageError).message).not.toContain('s3cr3t');
    } finally {
      dir.remove();
    }
  });

  it('check flags an enabled integration without a real key', () => {
    const dir = tempDir();
    try {
      const on = (key?: string) => loadConfig({ cwd: dir.path, env: { COINGLASS_ENABLED: 'true', ...(key ? { COINGLASS_API_KEY: key } : {}) } });
      expect(checkConfig(on())).toHaveLength(1);
      expect(checkConfig(on('changeme'))[0].problem).toMatch(/placeholder/);
      expect(checkConfig(on(REAL))).toEqual([]);
      const rows = describeConfig(on(REAL));
      expect(JSON.stringify(rows)).not.toContain(REAL);
    } finally {
      dir.remove();
    }
  });
});
