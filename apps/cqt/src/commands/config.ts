import { checkConfig, describeConfig, formatTable, loadConfig, paintText } from '@cqt/config';
import { cli } from '../output.js';

export interface ConfigCommandOptions {
  check?: boolean;
  json?: boolean;
}

export async function configCommand(opts: ConfigCommandOptions): Promise<void> {
  const config = loadConfig();
  const rows = describeConfig(config);
  const problems = opts.check ? checkConfig(config) : [];
  await cli.emit(
    {
      exitCode: problems.length ? 1 : 0,
      json: { envFile: config.envFile, settings: rows, problems, ok: problems.length === 0 },
      human({ colour }) {
        const lines = [formatTable(['variable', 'value', 'from', 'meaning'], rows.map((r) => [r.env, r.shown, r.source, r.describe]), colour)];
        if (config.envFile) lines.push(`.env file: ${config.envFile}`);
        if (opts.check) {
          for (const p of problems) lines.push(`${paintText('FAIL', 'bad', colour)} ${p.setting}: ${p.problem} (${p.hint})`);
          lines.push(problems.length ? paintText('OVERALL FAIL', 'bad', colour) : paintText('OVERALL PASS', 'good', colour));
        }
        return lines.join('\n');
      },
    },
    opts,
  );
}
