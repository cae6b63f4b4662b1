// Bounds for any exchange epoch in ms. They catch seconds sent where ms were expected
// (1.6e9 falls before 2009) and garbage such as negative or 1e20 values.
export const MIN_EPOCH_MS = Date.UTC(2009, 0, 1);
export const MAX_EPOCH_MS = Date.UTC(2100, 0, 1);

export function isEpochMs(value: number): boolean {
  return Number.isInteger(value) && value >= MIN_EPOCH_MS && value < MAX_EPOCH_MS;
}

const ZONELESS_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

/**
 * `yyyy-MM-ddTHH:mm:ss` without a zone, read as UTC whatever the host zone is
 * (`new Date(text)` would read it as local time). Null for malformed or impossible dates.
 */
export function parseZonelessUtcMs(text: string): number | null {
  if (!ZONELESS_DATE_TIME.test(text)) return null;
  const ms = Date.parse(`${text}Z`);
  // Date.parse rolls some impossible dates (e.g. 02-31) over; the round trip rejects them.
  if (!isEpochMs(ms) || new Date(ms).toISOString().slice(0, 19) !== text) return null;
  return ms;
}
