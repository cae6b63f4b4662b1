// Typed errors → one line on stderr (message, then a hint) and the exit code they carry.
// Anything else is a bug: a short line, the stack only with CQT_DEBUG=1.
import { CqtError } from '@cqt/config';

export function exitWith(err: unknown): never {
  if (err instanceof CqtError) {
    process.stderr.write(`error: ${err.message}\n`);
    if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
    if (process.env.CQT_DEBUG && err.cause) process.stderr.write(`${String((err.cause as Error).stack ?? err.cause)}\n`);
    process.exit(err.exitCode);
  }
  const e = err as Error;
  process.stderr.write(`error: internal error: ${e?.message ?? String(err)}\n`);
  process.stderr.write(process.env.CQT_DEBUG ? `${e?.stack}\n` : 'hint: this is a bug in cqt; rerun with CQT_DEBUG=1 for the stack and report it\n');
  process.exit(2);
}
