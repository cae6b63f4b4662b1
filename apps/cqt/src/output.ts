// Output rules from the CLI contract: --json prints one object on stdout; otherwise the human
// text, with colour only on a TTY and never when NO_COLOR is set.
import type { CliContext, CommandOutput } from '@cqt/config';

export function useColour(): boolean {
  return Boolean(process.stdout.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
}

/** The one place command results reach stdout and the exit code. */
export const cli: CliContext = {
  async emit(output: CommandOutput, options: { json?: boolean }) {
    if (options.json) process.stdout.write(`${JSON.stringify(output.json, null, 2)}\n`);
    else {
      const text = await output.human({ colour: useColour() });
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    }
    if (output.exitCode > Number(process.exitCode ?? 0)) process.exitCode = output.exitCode;
  },
};
