// The soft-stale rule (coin_predict's policy), one place for the API and the monitor: fresh is
// served; stale is served with a warning; hard_stale and corrupt are blocked, and the caller keeps
// the last good value with the reason. A fresh value from a producer whose last cycle failed is
// still served, with that as the warning.
import type { Classification } from './classify.js';

export type Serving = { serve: true; warning: string | null } | { serve: false; reason: string };

export function softStale(c: Classification): Serving {
  const why = (label: string) => (c.reasons.length ? `${label}: ${c.reasons.join('; ')}` : label);
  if (c.class === 'hard_stale' || c.class === 'corrupt') return { serve: false, reason: why(c.class) };
  if (c.class === 'stale') return { serve: true, warning: why('stale') };
  return { serve: true, warning: c.degraded ? why('degraded') : null };
}
