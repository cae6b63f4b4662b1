// When are two snapshots "the same"? Used by `cqt check leak` and the tests that recompute stored
// snapshots. Pure.
import { tableMeta } from '@cqt/db';

/**
 * Largest relative difference two floats may have and still be equal. Stored values round-trip
 * exactly (float8 text output is shortest-exact) and the computation is deterministic, so on one
 * machine a recomputation is bit-identical. The tolerance only absorbs last-bit differences of
 * Math.log/exp/sin/sqrt between JavaScript engines (ECMAScript does not require them correctly
 * rounded) accumulated over a few hundred operations: ~10⁴ ulps. A look-ahead changes a value by
 * at least one more second of data or one more row — for the smoothest feature, rv_300s, one
 * second of a 300-second sum, ≈ 1/300 relative — nine orders of magnitude above this.
 */
export const RELATIVE_TOLERANCE = 1e-12;

/** Columns that are bookkeeping, not values: created_at (when written) and params (the input of the recomputation). */
const NOT_COMPARED = new Set(['createdAt', 'params']);

export interface ColumnDifference {
  table: 'feature_snapshots' | 'predictions';
  /** SQL column name. */
  column: string;
  stored: unknown;
  recomputed: unknown;
}

/** Every column of the rows (property-keyed) that differs, in schema order. */
export function rowDifferences(table: ColumnDifference['table'], stored: Record<string, unknown>, recomputed: Record<string, unknown>): ColumnDifference[] {
  const differences: ColumnDifference[] = [];
  for (const { prop, name } of tableMeta(table).columns) {
    if (NOT_COMPARED.has(prop)) continue;
    const a = stored[prop] ?? null;
    const b = recomputed[prop] ?? null;
    if (!sameValue(a, b)) differences.push({ table, column: name, stored: a, recomputed: b });
  }
  return differences;
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (a === null || b === null) return a === b;
  if (typeof a === 'number' && typeof b === 'number') {
    return a === b || Math.abs(a - b) <= RELATIVE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (typeof a === 'object' && typeof b === 'object') return canonicalJson(a) === canonicalJson(b);
  return a === b;
}

/** JSON with object keys sorted (jsonb does not keep key order). */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1))) : v,
  );
}
