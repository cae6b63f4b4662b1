// The contract between an app's command and the `cqt` binary: an app computes a result and
// describes it twice (a JSON object and a human text); apps/cqt alone prints it and sets the
// exit code. Gate failures are results with exitCode 1, not exceptions, so --json still prints.

export interface CommandOutput {
  /** 0 success / all checks pass, 1 a check or gate failed. Errors throw CqtError instead. */
  exitCode: 0 | 1;
  /** Printed (pretty JSON, one object) with --json. */
  json: unknown;
  /** Printed otherwise. May use colour: the `colour` flag says whether it is allowed. */
  human: (style: { colour: boolean }) => string | Promise<string>;
}

export interface CliContext {
  /** Prints the output per --json, and records its exit code for the process. */
  emit(output: CommandOutput, options: { json?: boolean }): Promise<void>;
}

/** Aborts when the process gets SIGINT or SIGTERM: long-running commands stop cleanly on it. */
export function stopSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return controller.signal;
}
