import { describe, expect, it } from 'vitest';
import { createLogger, logFormatFlag, redact, secretValues } from '../index.js';
import { parseFlagText } from '../command.js';

const KEY = '0123456789abcdef0123456789abcdef';
const env = { COINGLASS_API_KEY: KEY, DATABASE_URL: 'postgres://cqt:s3cretpw@db:5432/cqt' };

describe('logger', () => {
  it('json: one object per line with time, level, command and event; a plain line is a message', () => {
    const out: string[] = [];
    const log = createLogger({ command: 'collect', format: 'json', write: (t) => out.push(t), env: {}, now: () => new Date(Date.UTC(2026, 11, 4, 10)) });
    log('collect: started');
    log.event('metrics_listening', { url: 'http://127.0.0.1:9464/metrics', port: 9464, level: 'x' }, 'warn');
    expect(out.every((t) => t.endsWith('\n') && t.indexOf('\n') === t.length - 1)).toBe(true);
    const [a, b] = out.map((t) => JSON.parse(t));
    expect(a).toEqual({ time: '2026-12-04T10:00:00.000Z', level: 'info', command: 'collect', event: 'message', msg: 'collect: started' });
    expect(b).toMatchObject({ level: 'warn', event: 'metrics_listening', port: 9464, field_level: 'x' });
  });

  it('human: the line as written (with the time when asked), the default format', () => {
    const out: string[] = [];
    const log = createLogger({ command: 'backfill', write: (t) => out.push(t), humanTime: true, env: {}, now: () => new Date(0) });
    log('follow upbit KRW-BTC 1m: 3 candles');
    expect(out).toEqual(['1970-01-01T00:00:00.000Z follow upbit KRW-BTC 1m: 3 candles\n']);
    expect(log.format).toBe('human');
  });

  it('never prints a secret setting or a URL password, in either format', () => {
    expect(secretValues(env)).toEqual([KEY, 's3cretpw']);
    for (const format of ['human', 'json'] as const) {
      const out: string[] = [];
      const log = createLogger({ command: 'collect', format, write: (t) => out.push(t), env });
      log(`coinglass refused key ${KEY}; db postgres://cqt:s3cretpw@db:5432/cqt`);
      log.event('error', { detail: { key: KEY, url: 'postgres://u:other@h/d' } });
      const text = out.join('');
      expect(text).not.toContain(KEY);
      expect(text).not.toContain('s3cretpw');
      expect(text).not.toContain('other@');
      expect(text).toContain('***');
    }
    expect(redact('http://a:b@h/x and plain', [])).toBe('http://a:***@h/x and plain');
  });

  it('--log-format takes human or json only', () => {
    expect(parseFlagText(logFormatFlag, 'json')).toBe('json');
    expect(() => parseFlagText(logFormatFlag, 'xml')).toThrow(/invalid --log-format "xml"/);
  });
});
