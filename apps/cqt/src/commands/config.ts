import { GateFailure, checkConfig, describeConfig, loadConfig } from '@cqt/config';
import { paint, printJson, renderTable } from '../output.js';

export interface ConfigCommandOptions {
  check?: boolean;
  json?: boolean;
}

export async function configCommand(opts: ConfigCommandOptions): Promise<void> {
  const config = loadConfig();
  const rows = describeConfig(config);
  const problems = opts.check ? checkConfig(config) : [];
  if (opts.json) {
    printJson({ envFile: config.envFile, settings: rows, problems, ok: problems.length === 0 });
  } else {
    process.stdout.write(`${await renderTable(['variable', 'value', 'from', 'meaning'], rows.map((r) => [r.env, r.shown, r.source, r.describe]))}\n`);
    if (config.envFile) process.stdout.write(`.env file: ${config.envFile}\n`);
    if (opts.check) {
      const c = await paint();
      for (const p of problems) process.stdout.write(`${c.red('FAIL')} ${p.setting}: ${p.problem} (${p.hint})\n`);
      process.stdout.write(problems.length ? `${c.red('OVERALL FAIL')}\n` : `${c.green('OVERALL PASS')}\n`);
    }
  }
  if (problems.length) throw new GateFailure(`${problems.length} configuration problem(s): ${problems.map((p) => p.problem).join('; ')}`);
}
