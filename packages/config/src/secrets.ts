// Secrets are never printed: callers show describeSecret() instead of the value.

const PLACEHOLDER_PATTERNS = [
  /^your[_-]?(api[_-]?)?key([_-]?here)?$/i,
  /^(change[_-]?me|changeit|replace[_-]?me|todo|tbd|none|null|undefined|placeholder|dummy|test|example|secret|key|apikey|api[_-]?key)$/i,
  /^x{3,}$/i,
  /^[*.\-_0]+$/,
  /^<.*>$/,
  /^\$\{.*\}$/,
  /^_*put[_-]?real[_-]?key[_-]?here_*$/i,
  /^_{2}.*_{2}$/,
];

/** Shortest string accepted as a real API key; real Coinglass keys are 32 hex characters. */
export const MIN_KEY_LENGTH = 16;

export function isPlaceholderKey(value: string): boolean {
  const v = value.trim();
  return PLACEHOLDER_PATTERNS.some((re) => re.test(v));
}

/** A key that could be real: present, long enough, not a known placeholder. */
export function isRealKey(value: string | undefined | null): boolean {
  if (value == null) return false;
  const v = value.trim();
  return v.length >= MIN_KEY_LENGTH && !isPlaceholderKey(v) && !/\s/.test(v);
}

export type SecretState = 'missing' | 'placeholder' | 'set';

export function secretState(value: string | undefined | null): SecretState {
  if (value == null || value.trim() === '') return 'missing';
  return isRealKey(value) ? 'set' : 'placeholder';
}

/** "set (len 32)", "placeholder" or "missing" — the only ways a secret appears in output. */
export function describeSecret(value: string | undefined | null): string {
  const state = secretState(value);
  return state === 'set' ? `set (len ${value!.trim().length})` : state;
}

/** A connection URL with its password replaced, safe to print. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  }
}
