// Limited-memory BFGS with a backtracking (Armijo) line search: full batch, no randomness, so the
// same objective and start give the same iterates bit for bit.
//
// Convergence rule (stated once, used everywhere): stop when the largest gradient component is
// below `gradTolerance`, or when one iteration lowers the objective by less than
// `valueTolerance · max(1, |f|)`; give up after `maxIterations` (converged: false).

/** Writes ∇f(x) into `grad` and returns f(x). */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  /** Correction pairs kept (m). */
  memory?: number;
  maxIterations?: number;
  gradTolerance?: number;
  valueTolerance?: number;
}

export interface LbfgsResult {
  x: Float64Array;
  value: number;
  iterations: number;
  /** Objective evaluations, line searches included. */
  evaluations: number;
  converged: boolean;
  reason: 'gradient' | 'value' | 'max_iterations' | 'line_search';
  gradMax: number;
}

export const LBFGS_DEFAULTS = { memory: 10, maxIterations: 500, gradTolerance: 1e-6, valueTolerance: 1e-12 } as const;
const ARMIJO_C1 = 1e-4;
const MAX_HALVINGS = 60;

export function lbfgs(f: Objective, x0: Float64Array, options: LbfgsOptions = {}): LbfgsResult {
  const { memory, maxIterations, gradTolerance, valueTolerance } = { ...LBFGS_DEFAULTS, ...options };
  const n = x0.length;
  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let value = f(x, g);
  let evaluations = 1;
  const sHist: Float64Array[] = [];
  const yHist: Float64Array[] = [];
  const rhoHist: number[] = [];
  const direction = new Float64Array(n);
  const alpha = new Float64Array(memory);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  for (let iteration = 0; ; iteration++) {
    const gradMax = maxAbs(g);
    if (gradMax < gradTolerance) return { x, value, iterations: iteration, evaluations, converged: true, reason: 'gradient', gradMax };
    if (iteration >= maxIterations) return { x, value, iterations: iteration, evaluations, converged: false, reason: 'max_iterations', gradMax };
    // Two-loop recursion: direction = −H·g.
    for (let i = 0; i < n; i++) direction[i] = -g[i];
    const k = sHist.length;
    for (let j = k - 1; j >= 0; j--) {
      alpha[j] = rhoHist[j] * dot(sHist[j], direction);
      axpy(-alpha[j], yHist[j], direction);
    }
    if (k > 0) {
      const gamma = dot(sHist[k - 1], yHist[k - 1]) / dot(yHist[k - 1], yHist[k - 1]);
      for (let i = 0; i < n; i++) direction[i] *= gamma;
    }
    for (let j = 0; j < k; j++) {
      const beta = rhoHist[j] * dot(yHist[j], direction);
      axpy(alpha[j] - beta, sHist[j], direction);
    }
    let slope = dot(g, direction);
    if (!(slope < 0)) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      for (let i = 0; i < n; i++) direction[i] = -g[i];
      slope = dot(g, direction);
      sHist.length = yHist.length = rhoHist.length = 0;
    }
    // The first step has no curvature information: scale it to a unit move.
    let step = k === 0 ? Math.min(1, 1 / Math.sqrt(-slope)) : 1;
    let accepted = false;
    let valueNew = value;
    for (let h = 0; h < MAX_HALVINGS; h++, step /= 2) {
      for (let i = 0; i < n; i++) xNew[i] = x[i] + step * direction[i];
      valueNew = f(xNew, gNew);
      evaluations++;
      if (valueNew <= value + ARMIJO_C1 * step * slope) {
        accepted = true;
        break;
      }
    }
    if (!accepted) return { x, value, iterations: iteration, evaluations, converged: false, reason: 'line_search', gradMax };
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i] - x[i];
      y[i] = gNew[i] - g[i];
    }
    const sy = dot(s, y);
    // Keep only pairs with positive curvature, so the implied Hessian stays positive definite.
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (sHist.length === memory) {
        sHist.shift();
        yHist.shift();
        rhoHist.shift();
      }
      sHist.push(s);
      yHist.push(y);
      rhoHist.push(1 / sy);
    }
    const decrease = value - valueNew;
    [x, g] = [Float64Array.from(xNew), Float64Array.from(gNew)];
    value = valueNew;
    if (decrease < valueTolerance * Math.max(1, Math.abs(value))) {
      return { x, value, iterations: iteration + 1, evaluations, converged: true, reason: 'value', gradMax: maxAbs(g) };
    }
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i] += a * x[i];
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
