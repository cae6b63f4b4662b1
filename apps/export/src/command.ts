// Command declaration only (loaded by `cqt` at start-up): options and help; the implementation is
// imported when the command runs.
import type { Command } from 'commander';
import type { CliContext } from '@cqt/config';

export function register(_parent: Command, _cli: CliContext): void {}
