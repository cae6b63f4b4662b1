export { classify } from './classify.js';
export type { Classification, FreshnessClass, Observation, RecentRow } from './classify.js';
export { expectedRows, fillRate, findGaps, lagSec, nullRate } from './measures.js';
export type { Gap } from './measures.js';
export {
  DEFAULT_METRIC_POLL_SEC,
  candlePolicy,
  candlePredictionPolicy,
  defaultPolicies,
  futuresMetrics,
  metricPolicy,
  metricPollSec,
  pollPolicy,
  validatePolicy,
} from './policy.js';
export type { FreshnessPolicy, SourceName, ValueKind } from './policy.js';
export { softStale } from './serving.js';
export type { Serving } from './serving.js';
