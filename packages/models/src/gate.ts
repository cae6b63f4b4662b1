// The promotion gate: a candidate replaces the champion only if, on the same matured rows (labels
// already known) that neither was trained on, it
//   1. is judged on at least `minSamples` rows,
//   2. has a log loss lower than the champion's by at least `logLossMargin` (nats per row),
//   3. has a calibration error (ECE, 10 bins) of at most `maxEce`.
// Without a champion the candidate is compared with the Brownian baseline on the same rows.
import { scores, type Scores } from './metrics.js';

export interface GateRules {
  minSamples: number;
  logLossMargin: number;
  maxEce: number;
}

export const GATE_DEFAULTS: GateRules = { minSamples: 500, logLossMargin: 0.002, maxEce: 0.05 };

export interface GateCheck {
  name: 'samples' | 'log_loss' | 'calibration';
  pass: boolean;
  observed: number;
  threshold: number;
  detail: string;
}

export interface GateResult {
  pass: boolean;
  rows: number;
  candidate: Scores | null;
  incumbent: Scores | null;
  checks: GateCheck[];
}

export function evaluateGate(y: Uint8Array, candidateP: Float64Array, incumbentP: Float64Array, rules: GateRules = GATE_DEFAULTS): GateResult {
  const rows = y.length;
  const samples: GateCheck = {
    name: 'samples',
    pass: rows >= rules.minSamples,
    observed: rows,
    threshold: rules.minSamples,
    detail: `${rows} matured rows (need ≥ ${rules.minSamples})`,
  };
  if (rows === 0) return { pass: false, rows, candidate: null, incumbent: null, checks: [samples] };
  const candidate = scores(candidateP, y);
  const incumbent = scores(incumbentP, y);
  const gain = incumbent.logLoss - candidate.logLoss;
  const checks: GateCheck[] = [
    samples,
    {
      name: 'log_loss',
      pass: gain >= rules.logLossMargin,
      observed: gain,
      threshold: rules.logLossMargin,
      detail: `log loss ${candidate.logLoss.toFixed(5)} vs ${incumbent.logLoss.toFixed(5)}: better by ${gain.toFixed(5)} (need ≥ ${rules.logLossMargin})`,
    },
    {
      name: 'calibration',
      pass: candidate.ece <= rules.maxEce,
      observed: candidate.ece,
      threshold: rules.maxEce,
      detail: `ECE ${candidate.ece.toFixed(4)} (need ≤ ${rules.maxEce})`,
    },
  ];
  return { pass: checks.every((c) => c.pass), rows, candidate, incumbent, checks };
}
