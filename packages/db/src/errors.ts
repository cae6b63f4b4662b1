// Which database failures are about the data itself (retrying would fail the same way, so the
// offending rows are isolated and refused) and which are about the database being unavailable.
// Anything not clearly a data error is retried: an unknown failure must never cost collected rows.

export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** SQLSTATE class 22 (data exception) or 23 (integrity constraint violation). */
export function isDataError(err: unknown): boolean {
  return /^(22|23)[0-9A-Z]{3}$/.test(errorCode(err) ?? '');
}
