import { checkConfig, describeConfig, loadConfig } from '@cqt/config';
import { cli, paint, renderTable } from '../output.js';

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
      async human({ colour }) {
        const c = await paint(colour);
        const lines = [await renderTable(['variable', 'value', 'from', 'meaning'], rows.map((r) => [r.env, r.shown, r.source, r.describe]), colour)];
        if (config.envFile) lines.push(`.env file: ${config.envFile}`);
        if (opts.check) {
          for (const p of problems) lines.push(`${c.red('FAIL')} ${p.setting}: ${p.problem} (${p.hint})`);
          lines.push(problems.length ? c.red('OVERALL FAIL') : c.green('OVERALL PASS'));
        }
        return lines.join('\n');
      },
    },
    opts,
  );
}
