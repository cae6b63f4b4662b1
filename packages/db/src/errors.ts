// Which database failures are worth retrying (the server or the embedded owner went away, or a
// transient conflict) and which are about the data itself (retrying would fail the same way).

const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOENT', // the embedded owner's socket is gone while a successor starts
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);

export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Connection loss, server shutdown, lock/serialisation conflicts: try again later. */
export function isTransientDbError(err: unknown): boolean {
  const code = errorCode(err);
  if (!code) return false;
  if (TRANSIENT_NODE_CODES.has(code)) return true;
  // SQLSTATE classes: 08 connection, 53 resources, 57P0x shutdown/cannot connect, 40 rollback.
  return /^(08|53|57P0|40)/.test(code);
}
