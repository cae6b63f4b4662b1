// `cqt check <altdata|features|coinglass|all>`: each check comes from its app; `all` runs every
// check that exists and fails if any item fails.
import type { Command } from 'commander';
import type { CliContext } from '@cqt/config';
import { register as registerAltdata } from '@cqt/check-altdata/command';
import { register as registerFeatures } from '@cqt/check-features/command';
import { register as registerCoinglass } from '@cqt/check-coinglass/command';

export function registerCheck(program: Command, cli: CliContext): void {
  const check = program.command('check').description('data-quality gates: exit 0 all pass, 1 any fail, 2 error');
  registerAltdata(check, cli);
  registerFeatures(check, cli);
  registerCoinglass(check, cli);
}
