// Typed failures. Packages and apps throw these; only apps/cqt turns them into exit codes and
// one-line messages, so a library never calls process.exit.

export type ExitCode = 0 | 1 | 2;

export class CqtError extends Error {
  readonly exitCode: ExitCode;
  /** What the user can do about it, printed after the message. */
  readonly hint?: string;

  constructor(message: string, options: { exitCode: ExitCode; hint?: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode;
    this.hint = options.hint;
  }
}

/** Bad flags, environment, configuration or input: exit 2. */
export class UsageError extends CqtError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super(message, { exitCode: 2, hint, cause });
  }
}

/** The environment failed us (database unreachable, disk full, …): exit 2. */
export class RuntimeFailure extends CqtError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super(message, { exitCode: 2, hint, cause });
  }
}
