// Exchanges send prices and sizes as decimal strings. Number() alone would also accept
// "", " 1", "0x10", "Infinity" and turn "abc" into NaN, so the shape is checked first.
const DECIMAL = /^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

/** Strict decimal string → finite number, or null when the text is not a plain decimal. */
export function parseDecimal(text: string): number | null {
  if (!DECIMAL.test(text)) return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}
