// Waiting in tests for something another process or the queue does: poll a probe until it answers,
// with a deadline that is a bound for a loaded machine, never a timing the test asserts.

export interface WaitOptions {
  /** Give up after this long (default 20 s). */
  timeoutMs?: number;
  /** Time between probes (default 100 ms). */
  pollMs?: number;
  /** A probe that throws is asked again (e.g. it met a connection the test just terminated). */
  retryErrors?: boolean;
  /** Checked after each unanswered probe: a reason to stop waiting at once (e.g. "worker exited"). */
  failIf?: () => string | undefined;
  /** Appended to the error, e.g. a child's output. */
  detail?: () => string;
}

/** Resolves with the probe's first truthy answer; throws naming `what` on time-out or `failIf`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, options: WaitOptions = {}): Promise<T> {
  const { timeoutMs = 20_000, pollMs = 100 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = options.retryErrors ? await probe().catch(() => null) : await probe();
    if (answer) return answer;
    const reason = options.failIf?.() ?? (Date.now() > deadline ? 'timed out' : undefined);
    if (reason) throw new Error(`${reason} waiting for ${what}${options.detail ? `:\n${options.detail()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
