// Flags and errors of the metrics server every long-running command can start (decision 133); the
// server itself is @cqt/metrics, which the commands load only when --metrics-port is given.
import type { FlagSpec } from './command.js';
import { UsageError } from './errors.js';

/** --metrics-port / --metrics-host: where a long-running command serves Prometheus /metrics. */
export const metricsFlags = {
  metricsPort: {
    flag: '--metrics-port',
    arg: '<port>',
    describe: 'serve Prometheus metrics on http://<metrics-host>:<port>/metrics (0 picks a free port, logged)',
    defaultText: 'off',
    expected: 'a port from 0 to 65535',
    parse: (text: string) => (/^\d+$/.test(text) && Number(text) <= 65_535 ? Number(text) : undefined),
  },
  metricsHost: {
    flag: '--metrics-host',
    arg: '<addr>',
    describe: 'address the metrics server binds',
    default: '127.0.0.1',
  },
} satisfies { metricsPort: FlagSpec<number>; metricsHost: FlagSpec<string> };

/** A metrics server that could not listen, as one line with a hint (exit 2). */
export function metricsListenError(error: unknown, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new UsageError(`--metrics-port ${port} on ${host} is already in use`, 'choose another --metrics-port (0 picks a free one), or stop the process using it');
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new UsageError(`cannot bind --metrics-host ${host}: not an address of this machine`, 'use 127.0.0.1 (the default) or one of this machine\'s addresses');
  if (code === 'EACCES') return new UsageError(`--metrics-port ${port} needs privileges`, 'use a port above 1023, e.g. 9464');
  return error;
}
