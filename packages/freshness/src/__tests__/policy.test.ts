import { describe, expect, it } from 'vitest';
import {
  DEFAULT_METRIC_POLL_SEC,
  defaultPolicies,
  futuresMetrics,
  metricPolicy,
  metricPollSec,
  pollPolicy,
  validatePolicy,
} from '../policy.js';
import type { FreshnessPolicy } from '../policy.js';

describe('validatePolicy', () => {
  const good: FreshnessPolicy = { staleAfterSec: 10, hardStaleAfterSec: 60, futureToleranceSec: 2 };

  it.each([
    { name: 'a typical policy', policy: good },
    { name: 'stale and hard stale at the same lag', policy: { ...good, staleAfterSec: 60 } },
    { name: 'all zero', policy: { staleAfterSec: 0, hardStaleAfterSec: 0, futureToleranceSec: 0 } },
    { name: 'a value kind', policy: { ...good, valueKind: 'ratio' as const } },
  ])('accepts $name', ({ policy }) => {
    expect(() => validatePolicy(policy)).not.toThrow();
  });

  it.each([
    {
      name: 'stale after hard stale',
      policy: { ...good, staleAfterSec: 61 },
      error: 'market_1s: staleAfterSec (61) must not exceed hardStaleAfterSec (60)',
    },
    {
      name: 'a negative threshold',
      policy: { ...good, staleAfterSec: -1 },
      error: 'market_1s: staleAfterSec must be a non-negative number of seconds, got -1',
    },
    {
      name: 'a NaN threshold',
      policy: { ...good, hardStaleAfterSec: NaN },
      error: 'market_1s: hardStaleAfterSec must be a non-negative number of seconds, got NaN',
    },
    {
      name: 'an infinite tolerance',
      policy: { ...good, futureToleranceSec: Infinity },
      error: 'market_1s: futureToleranceSec must be a non-negative number of seconds, got Infinity',
    },
    {
      name: 'an unknown value kind',
      policy: { ...good, valueKind: 'volume' as unknown as 'any' },
      error: 'market_1s: valueKind must be one of price, ratio, any, got volume',
    },
  ])('rejects $name, naming the source', ({ policy, error }) => {
    expect(() => validatePolicy(policy, 'market_1s')).toThrow(error);
  });
});

describe('pollPolicy', () => {
  it('is stale after 3 polls and hard stale after 10', () => {
    expect(pollPolicy(60)).toEqual({
      staleAfterSec: 180,
      hardStaleAfterSec: 600,
      futureToleranceSec: 2,
      valueKind: 'any',
    });
    expect(pollPolicy(300, 'price')).toMatchObject({
      staleAfterSec: 900,
      hardStaleAfterSec: 3000,
      valueKind: 'price',
    });
  });

  it.each([0, -60, NaN, Infinity])('rejects a poll interval of %s', (pollSec) => {
    expect(() => pollPolicy(pollSec)).toThrow(/pollSec must be a positive number of seconds/);
  });
});

describe('metricPolicy', () => {
  it.each([
    { name: 'open_interest, default poll', metric: 'open_interest', staleAfterSec: 180, valueKind: 'price' },
    { name: 'global_ls_ratio, default poll', metric: 'global_ls_ratio', staleAfterSec: 900, valueKind: 'ratio' },
    { name: 'basis, default poll', metric: 'basis', staleAfterSec: 900, valueKind: 'any' },
    { name: 'open_interest polled every 10 s', metric: 'open_interest', pollSec: 10, staleAfterSec: 30, valueKind: 'price' },
    { name: 'an unlisted metric', metric: 'funding_premium', staleAfterSec: 180, valueKind: 'any' },
    { name: 'a prototype key', metric: 'toString', staleAfterSec: 180, valueKind: 'any' },
  ])('$name → stale after $staleAfterSec s, values $valueKind', (row) => {
    const { metric, pollSec, staleAfterSec, valueKind } = row;
    expect(metricPolicy(metric, pollSec)).toMatchObject({ staleAfterSec, valueKind });
  });

  it('falls back to DEFAULT_METRIC_POLL_SEC', () => {
    expect(metricPolicy('funding_premium')).toEqual(pollPolicy(DEFAULT_METRIC_POLL_SEC));
  });

  it('covers every metric the collector writes to binance_futures_metrics', () => {
    expect(Object.keys(futuresMetrics)).toEqual(
      expect.arrayContaining([
        'open_interest',
        'open_interest_value',
        'global_ls_ratio',
        'top_ls_ratio',
        'taker_ls_ratio',
        'basis',
      ]),
    );
  });
});

describe('metricPollSec', () => {
  it.each([
    { metric: 'open_interest', binancePollSec: 10, pollSec: 60 },
    { metric: 'open_interest', binancePollSec: 120, pollSec: 120 },
    // The 5-minute /futures/data series: no fresher than their period, however often polled.
    { metric: 'open_interest_value', binancePollSec: 60, pollSec: 300 },
    { metric: 'basis', binancePollSec: 2, pollSec: 300 },
    { metric: 'taker_ls_ratio', binancePollSec: 600, pollSec: 600 },
  ] as const)('$metric polled every $binancePollSec s can change every $pollSec s', ({ metric, binancePollSec, pollSec }) => {
    expect(metricPollSec(metric, binancePollSec)).toBe(pollSec);
  });
});

describe('defaultPolicies', () => {
  it('has a policy for every source the checks gate', () => {
    expect(Object.keys(defaultPolicies).sort()).toEqual([
      'binance_futures_metrics',
      'binance_mark_price_1s',
      'coinglass_liquidation_map',
      'feature_snapshots',
      'market_1s',
      'predictions',
    ]);
  });

  it.each(Object.entries(defaultPolicies))('%s is valid', (source, policy) => {
    expect(() => validatePolicy(policy, source)).not.toThrow();
  });

  it('gives grid sources more than one step of slack before stale', () => {
    expect(defaultPolicies.market_1s.staleAfterSec).toBeGreaterThan(1);
    expect(defaultPolicies.feature_snapshots.staleAfterSec).toBeGreaterThanOrEqual(3 * 5);
    expect(defaultPolicies.binance_futures_metrics).toEqual(metricPolicy('not_listed'));
    expect(defaultPolicies.coinglass_liquidation_map.staleAfterSec).toBe(900);
  });
});
