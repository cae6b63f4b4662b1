// Test helpers: a real S3-compatible server (s3rver) on loopback in a temp folder, and a TCP proxy
// in front of it that can cut an upload mid-body or flip a byte of one — faults a real network and
// a faulty server produce, without mocking the client.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
// @ts-expect-error s3rver 3.7.1 ships no types
import S3rver from 's3rver';
import { tempDir } from '@cqt/test-support/tmp';

export const BUCKET = 'cqt-results';

export interface S3Server {
  endpoint: string;
  /** Where s3rver keeps an object's bytes (overwrite them to corrupt it behind the server's back). */
  objectPath(key: string): string;
  env: Record<string, string>;
  close(): Promise<void>;
}

/** The AWS variables that point the SDK at `endpoint` (s3rver's fixed key pair). */
export const s3Env = (endpoint: string): Record<string, string> => ({
  AWS_ENDPOINT_URL_S3: endpoint,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
});

export async function startS3(): Promise<S3Server> {
  const dir = tempDir('cqt-s3rver-');
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir.path, configureBuckets: [{ name: BUCKET }] });
  const { port } = (await server.run()) as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    objectPath: (key) => join(dir.path, BUCKET, `${key}._S3rver_object`),
    env: s3Env(endpoint),
    close: async () => {
      await server.close();
      dir.remove();
    },
  };
}

export type ProxyFault = { kind: 'cut' | 'flip'; /** a PUT whose request line contains this */ match: string } | null;

export interface FaultProxy {
  endpoint: string;
  /** The next matching PUT gets this fault (once); null passes everything. */
  arm(fault: ProxyFault): void;
  /** Faults applied so far. */
  readonly applied: number;
  close(): Promise<void>;
}

/** A loopback TCP proxy to `target` (host:port) that can damage one matching PUT. */
export async function startProxy(target: string): Promise<FaultProxy> {
  const { hostname, port } = new URL(target);
  let fault: ProxyFault = null;
  let applied = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    client.on('close', () => (sockets.delete(client), upstream.destroy()));
    upstream.on('close', () => (sockets.delete(upstream), client.destroy()));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    upstream.pipe(client);
    let damaging: 'cut' | 'flip' | null = null;
    client.on('data', (chunk: Buffer) => {
      let out = chunk;
      if (!damaging && fault) {
        const text = chunk.toString('latin1');
        const line = text.slice(0, text.indexOf('\r\n'));
        if (line.startsWith('PUT ') && line.includes(fault.match)) {
          damaging = fault.kind;
          fault = null;
          applied++;
          const bodyAt = text.indexOf('\r\n\r\n');
          if (damaging === 'cut') {
            // Headers and a few body bytes reach the server; then the connection drops.
            upstream.write(chunk.subarray(0, bodyAt < 0 ? chunk.length : bodyAt + 4 + 8));
            client.destroy();
            upstream.destroy();
            return;
          }
          if (bodyAt >= 0 && bodyAt + 4 < chunk.length) {
            out = Buffer.from(chunk);
            out[bodyAt + 4] ^= 0xff;
            damaging = null;
          }
        }
      } else if (damaging === 'flip') {
        out = Buffer.from(chunk);
        out[0] ^= 0xff;
        damaging = null;
      }
      upstream.write(out);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arm: (f) => (fault = f),
    get applied() {
      return applied;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
