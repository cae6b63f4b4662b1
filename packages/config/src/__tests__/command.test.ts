import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import type { CommandOutput } from '../cli.js';
import { declareCommand, describeFlag, durationFlag, parseFlags, resolveFlag, storeFlags, windowFlag, type FlagTable } from '../command.js';

interface Options {
  window?: number;
  limit?: number;
  tags?: string[];
  dryRun?: boolean;
  databaseUrl?: string;
  dataDir?: string;
}

const limit = { flag: '--limit', arg: '<n>', describe: 'at most this many', env: 'CQT_TEST_LIMIT', default: 10, expected: 'a whole number', parse: (t: string) => (/^\d+$/.test(t) ? Number(t) : undefined) };
const table = {
  window: windowFlag,
  limit,
  tags: { flag: '--tag', arg: '<name>', describe: 'a tag, repeatable', repeatable: true },
  dryRun: { flag: '--dry-run', describe: 'change nothing' },
  ...storeFlags,
} satisfies FlagTable<Options>;

/** Runs a throwaway program with the table's command and returns what its action received. */
async function invoke(args: string[]): Promise<Options> {
  let received: Options | undefined;
  const program = new Command('t').exitOverride();
  const emit = async (_: CommandOutput) => {};
  declareCommand<Options>(program, { emit }, { name: 'go', description: 'test', flags: table, action: async (values) => void (received = values) });
  program.commands.forEach((c) => c.exitOverride());
  await program.parseAsync(['node', 't', 'go', ...args]);
  return received!;
}

describe('option tables', () => {
  it('hands the action parsed values under the table keys; absent flags stay undefined', async () => {
    expect(await invoke(['--window', '10m', '--limit', '3', '--tag', 'a', '--tag', 'b', '--dry-run', '--data-dir', '/tmp/x'])).toEqual({
      window: 600,
      limit: 3,
      tags: ['a', 'b'],
      dryRun: true,
      dataDir: '/tmp/x',
    });
    expect(await invoke([])).toEqual({});
  });

  it('a rejected value is a UsageError naming the flag, with the expected form as hint', async () => {
    await expect(invoke(['--limit', 'many'])).rejects.toMatchObject({ message: 'invalid --limit "many"', hint: 'expected a whole number', exitCode: 2 });
    await expect(invoke(['--window', '0'])).rejects.toMatchObject({ message: 'invalid --window "0"' });
    expect(() => parseFlags(table, { window: 'soon' })).toThrow(UsageError);
  });

  it('help shows each flag with its variable and default, from the same spec', () => {
    expect(describeFlag(limit)).toBe('at most this many (CQT_TEST_LIMIT, default 10)');
    expect(describeFlag(windowFlag)).toMatch(/\(default 600 s\)$/);
    expect(describeFlag(durationFlag('--every', 'how often'))).toBe('how often');
    expect(describeFlag(storeFlags.databaseUrl)).toMatch(/overrides DATABASE_URL/);
    const program = new Command('t');
    declareCommand<Options>(program, { emit: async () => {} }, { name: 'go', description: 'test', flags: table, help: 'Examples:\n  $ t go', action: async () => {} });
    const help = program.commands[0].helpInformation();
    expect(help).toContain('--limit <n>');
    expect(help).toContain('(CQT_TEST_LIMIT, default 10)');
    expect(help).toContain('--tag <name>');
  });

  it('flag > environment > default; env text is parsed and named when rejected', () => {
    expect(resolveFlag(limit, '4', { CQT_TEST_LIMIT: '5' })).toBe(4);
    expect(resolveFlag(limit, 6, { CQT_TEST_LIMIT: '5' })).toBe(6);
    expect(resolveFlag(limit, undefined, { CQT_TEST_LIMIT: ' 5 ' })).toBe(5);
    expect(resolveFlag(limit, undefined, { CQT_TEST_LIMIT: '' })).toBe(10);
    expect(() => resolveFlag(limit, undefined, { CQT_TEST_LIMIT: 'x' })).toThrow('invalid CQT_TEST_LIMIT="x" (from env)');
  });
});
