import { describe, expect, it } from 'vitest';
import { classify, defaultPolicies } from '@cqt/freshness';
import { exitCodeOf, freshnessItem, judge, makeReport, measuredItem, overallStatus, statedItem, type CheckItem, type ItemStatus } from '../report.js';
import { formatTable, paintText } from '@cqt/config';
import { checkOutput, formatThreshold, formatValue, renderReports } from '../render.js';

const AS_OF = Date.UTC(2026, 10, 23, 10, 0, 0);
const at = (name: string, windowSec: number | null = 600) => ({ name, table: 'market_1s', column: 'ts', symbol: 'KRW-BTC', windowSec });
const withStatus = (...statuses: ItemStatus[]) => statuses.map((status) => ({ status }));

describe('overall status', () => {
  it.each([
    { items: withStatus('pass', 'warn', 'fail', 'skip'), overall: 'fail' },
    { items: withStatus('pass', 'warn', 'skip'), overall: 'warn' },
    { items: withStatus('pass', 'skip'), overall: 'pass' },
    { items: withStatus('skip', 'skip'), overall: 'skip' },
    { items: withStatus(), overall: 'skip' },
  ])('$overall from $items.length items', ({ items, overall }) => {
    expect(overallStatus(items)).toBe(overall);
  });

  it('exit 1 only when an item failed; warn and skip pass the gate', () => {
    const report = (...s: ItemStatus[]) => makeReport('x', AS_OF, 600, s.map((status, i) => statedItem(at(`i${i}`), status, null, null, '')));
    expect(exitCodeOf([report('pass', 'warn', 'skip')])).toBe(0);
    expect(exitCodeOf([report('skip')])).toBe(0);
    expect(exitCodeOf([report('pass'), report('fail')])).toBe(1);
    expect(report('pass', 'warn', 'warn').counts).toEqual({ pass: 1, warn: 2, fail: 0, skip: 0 });
  });
});

describe('judge (bounds inclusive)', () => {
  it.each([
    { observed: 0.95, threshold: { min: 0.95 }, status: 'pass' },
    { observed: 0.9499, threshold: { min: 0.95 }, status: 'fail' },
    { observed: 0.97, threshold: { min: 0.95, warnBelow: 0.99 }, status: 'warn' },
    { observed: 60, threshold: { max: 60, warnAbove: 5 }, status: 'warn' },
    { observed: 60.001, threshold: { max: 60, warnAbove: 5 }, status: 'fail' },
    { observed: 5, threshold: { max: 60, warnAbove: 5 }, status: 'pass' },
    { observed: 0, threshold: { max: 0 }, status: 'pass' },
    { observed: 1, threshold: { max: 0 }, status: 'fail' },
  ])('$observed against $threshold → $status', ({ observed, threshold, status }) => {
    expect(judge(observed, threshold)).toBe(status);
  });
});

describe('freshnessItem', () => {
  const policy = defaultPolicies.market_1s;
  it.each([
    { lagMs: 2_000, status: 'pass', detail: 'fresh' },
    { lagMs: 30_000, status: 'warn', detail: 'stale; lag 30 s > stale after 5 s' },
    { lagMs: 90_000, status: 'fail', detail: 'hard stale; lag 90 s > hard stale after 60 s' },
  ])('lag $lagMs ms → $status', ({ lagMs, status, detail }) => {
    const item = freshnessItem(at('lag', null), classify({ newestTsMs: AS_OF - lagMs, asOfMs: AS_OF }, policy), policy);
    expect(item).toEqual({ ...at('lag', null), status, observed: lagMs / 1000, unit: 's', threshold: { max: 60, warnAbove: 5 }, detail });
  });

  it('corrupt fails with its reasons; degraded is stated', () => {
    const corrupt = classify({ newestTsMs: AS_OF, asOfMs: AS_OF, recent: [{ tsMs: AS_OF, value: 0 }] }, policy);
    expect(freshnessItem(at('lag'), corrupt, policy)).toMatchObject({ status: 'fail', detail: 'corrupt; non-positive price ×1; first: 0 at 2026-11-23T10:00:00.000Z' });
    const degraded = classify({ newestTsMs: AS_OF, asOfMs: AS_OF, lastCycleOk: false }, policy);
    expect(freshnessItem(at('lag'), degraded, policy).detail).toBe('fresh; last cycle failed; degraded: last-good data still served');
  });
});

describe('rendering', () => {
  const items: CheckItem[] = [
    freshnessItem(at('market_1s.lag[KRW-BTC]', null), classify({ newestTsMs: AS_OF - 1_500, asOfMs: AS_OF }, defaultPolicies.market_1s), defaultPolicies.market_1s),
    measuredItem(at('market_1s.fill[KRW-BTC]'), 0.9, 'ratio', { min: 0.95 }, '540 of 600 seconds have a row'),
    statedItem({ ...at('coinglass.lag'), table: null, column: null, symbol: null, windowSec: null }, 'skip', false, null, 'skipped: disabled'),
  ];
  const report = makeReport('altdata', AS_OF, 600, items);

  it('formats values and thresholds with their units', () => {
    expect(formatValue(1.23456, 's')).toBe('1.235 s');
    expect(formatValue(0.99534, 'ratio')).toBe('99.53 %');
    expect(formatValue(3, 'count')).toBe('3');
    expect(formatValue(null, 's')).toBe('-');
    expect(formatValue('placeholder', null)).toBe('placeholder');
    expect(formatThreshold({ max: 60, warnAbove: 5 }, 's')).toBe('≤ 60 s (warn > 5 s)');
    expect(formatThreshold({ min: 0.5, warnBelow: 1 }, 'ratio')).toBe('≥ 50 % (warn < 100 %)');
    expect(formatThreshold({ expect: 'a real key' }, null)).toBe('a real key');
    expect(formatThreshold(null, null)).toBe('-');
  });

  it('prints a table per check and one OVERALL line naming what failed', () => {
    expect(renderReports([report], false)).toBe(
      [
        'check altdata — as of 2026-11-23T10:00:00.000Z, window 600 s',
        'item                     status  observed  threshold            read                  detail',
        '-----------------------  ------  --------  -------------------  --------------------  -----------------------------',
        'market_1s.lag[KRW-BTC]   PASS    1.5 s     ≤ 60 s (warn > 5 s)  market_1s.ts          fresh',
        'market_1s.fill[KRW-BTC]  FAIL    90 %      ≥ 95 %               market_1s.ts (600 s)  540 of 600 seconds have a row',
        'coinglass.lag            SKIP    false     -                    -                     skipped: disabled',
        'altdata: 1 pass, 0 warn, 1 fail, 1 skip → FAIL',
        '',
        'OVERALL FAIL (altdata: 1 fail)',
      ].join('\n'),
    );
    const skipped = makeReport('coinglass', AS_OF, 600, [items[2]]);
    expect(renderReports([skipped], false).split('\n').at(-1)).toBe('OVERALL SKIP (every item skipped)');
  });

  it('colours only when asked, without breaking alignment', () => {
    expect(paintText('FAIL', 'bad', true)).toBe('\u001b[31mFAIL\u001b[0m');
    const plain = formatTable(['a', 'b'], [[{ text: 'x', tone: 'good' }, 'yy']], false);
    const coloured = formatTable(['a', 'b'], [[{ text: 'x', tone: 'good' }, 'yy']], true);
    expect(coloured.replace(/\u001b\[\d+m/g, '')).toBe(plain);
  });

  it('JSON: one report for one check; checks and overall for several', async () => {
    expect(checkOutput([report])).toMatchObject({ exitCode: 1, json: report });
    const ok = makeReport('coinglass', AS_OF, 600, [items[2]]);
    const all = checkOutput([report, ok]);
    expect(all.json).toEqual({ check: 'all', asOf: '2026-11-23T10:00:00.000Z', windowSec: 600, overall: 'fail', checks: [report, ok] });
    expect(await checkOutput([ok]).human({ colour: false })).toContain('OVERALL SKIP');
    expect(checkOutput([ok]).exitCode).toBe(0);
  });
});
