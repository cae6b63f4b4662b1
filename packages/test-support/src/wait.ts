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
    // A probe that never settles (a statement on a connection that hangs) fails at the deadline,
    // named, instead of holding the test until its own time-out with no word of why.
    const asked = bounded(probe(), deadline);
    const answer = await asked.catch((err: unknown) => {
      if (err === HUNG) throw new Error(`a probe did not answer by the deadline waiting for ${what}${options.detail ? `:\n${options.detail()}` : ''}`);
      if (options.retryErrors) return null;
      throw err;
    });
    if (answer) return answer;
    const reason = options.failIf?.() ?? (Date.now() > deadline ? 'timed out' : undefined);
    if (reason) throw new Error(`${reason} waiting for ${what}${options.detail ? `:\n${options.detail()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

const HUNG = Symbol('hung');

/** The probe's answer, or a rejection with HUNG once the deadline (plus a second) has passed. */
function bounded<T>(answer: Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(HUNG), Math.max(0, deadline - Date.now()) + 1000);
  });
  return Promise.race([answer, hung]).finally(() => clearTimeout(timer));
}
