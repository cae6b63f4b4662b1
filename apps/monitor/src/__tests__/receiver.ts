// A webhook receiver on loopback (node:http, real sockets): keeps every message it accepted, can
// answer 503 for a while, or be closed (connection refused) and reopened on the same port.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MonitorMessage } from '../index.js';

export interface Receiver {
  /** The hook URL; its path is the secret a log must never show. */
  url: string;
  token: string;
  /** Messages answered 200, in order. */
  accepted: MonitorMessage[];
  /** Every request, including those refused with 503. */
  requests: number;
  /** While set, every request is answered with this status and not kept. */
  failWith: number | null;
  /** Stop listening (a post then meets ECONNREFUSED). */
  down(): Promise<void>;
  /** Listen again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(token = 'T0KEN-s3cr3t-9f8e7d6c5b4a'): Promise<Receiver> {
  let server: Server;
  let port = 0;
  const receiver: Receiver = {
    url: '',
    token,
    accepted: [],
    requests: 0,
    failWith: null,
    async down() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // fetch keeps connections alive: cut them, or close() waits for them.
      server.closeAllConnections();
      await closed;
    },
    async up() {
      await listen();
    },
    async close() {
      if (server.listening) await receiver.down();
    },
  };
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (chunk) => (body += chunk));
        req.on('end', () => {
          receiver.requests++;
          if (receiver.failWith !== null || req.url !== `/hooks/${token}`) {
            res.writeHead(receiver.failWith ?? 404).end();
            return;
          }
          receiver.accepted.push(JSON.parse(body) as MonitorMessage);
          res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        });
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  await listen();
  receiver.url = `http://127.0.0.1:${port}/hooks/${token}`;
  return receiver;
}
