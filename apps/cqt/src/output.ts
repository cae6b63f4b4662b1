// Output rules from the CLI contract: --json prints one object on stdout; otherwise human tables,
// with colour only on a TTY and never when NO_COLOR is set. Heavy modules load on first use.
import type { CliContext, CommandOutput } from '@cqt/config';

export function useColour(): boolean {
  return Boolean(process.stdout.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
}

/** The one place command results reach stdout and the exit code. */
export const cli: CliContext = {
  async emit(output: CommandOutput, options: { json?: boolean }) {
    if (options.json) printJson(output.json);
    else {
      const text = await output.human({ colour: useColour() });
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    }
    if (output.exitCode > Number(process.exitCode ?? 0)) process.exitCode = output.exitCode;
  },
};

export function printJson(result: unknown): void {
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

export async function renderTable(head: string[], rows: Array<Array<string | number>>, colour = useColour()): Promise<string> {
  const { default: Table } = await import('cli-table3');
  const table = new Table({ head, style: { head: colour ? ['cyan'] : [], border: colour ? ['grey'] : [] } });
  for (const row of rows) table.push(row.map(String));
  return table.toString();
}

export async function paint(colour = useColour()): Promise<import('chalk').ChalkInstance> {
  const { Chalk } = await import('chalk');
  return new Chalk({ level: colour ? 1 : 0 });
}

/** UTC ISO time to the millisecond, or '-' when absent. */
export function isoOrDash(d: Date | null | undefined): string {
  return d ? d.toISOString() : '-';
}

/** Human age of a timestamp relative to now, e.g. "3 s", "4.2 h". */
export function age(d: Date | null | undefined, nowMs = Date.now()): string {
  if (!d) return '-';
  const sec = Math.max(0, (nowMs - d.getTime()) / 1000);
  if (sec < 120) return `${sec.toFixed(0)} s`;
  if (sec < 7200) return `${(sec / 60).toFixed(1)} min`;
  if (sec < 172800) return `${(sec / 3600).toFixed(1)} h`;
  return `${(sec / 86400).toFixed(1)} d`;
}
