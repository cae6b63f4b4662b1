#!/usr/bin/env node
// The `cqt` entry point: declares every command (each loads its code only when run, so --help
// stays fast), and is the one place where results and typed errors become output and exit codes.
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.js';
import { exitWith } from './exit.js';
import { versionText } from './version.js';

const program = new Command('cqt')
  .description('crypto quant toolkit: collect market data, gate its quality, build leak-free datasets')
  // Not .version(): its text is fixed up front, and in the workspace the commit costs a git call.
  .option('-V, --version', 'print the version and commit')
  .on('option:version', () => {
    process.stdout.write(`${versionText()}\n`);
    process.exit(0);
  })
  .showSuggestionAfterError(true)
  .configureHelp({ sortSubcommands: false })
  .addHelpText(
    'after',
    `
Examples:
  $ cqt config                      effective configuration, secrets masked
  $ cqt db status                   backend, schema version, rows and newest ts per table
  $ cqt db status --json            the same as one JSON object

Exit codes: 0 ok, 1 a check or gate failed, 2 usage error or runtime failure.
Docs: docs/operations.md`,
  );

registerCommands(program);
const overrideExit = (cmd: Command): void => {
  cmd.exitOverride();
  cmd.commands.forEach(overrideExit);
};
overrideExit(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version print and exit 0; any other parse error is a usage error.
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  exitWith(err);
}
