// Optional raw capture (--capture DIR): every received frame with its receive time, one JSON line
// each ({"recvTsMs","source","frame"}), in gzip files rotated hourly, so a session can be replayed.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createGzip, type Gzip } from 'node:zlib';

const ROTATE_MS = 3600_000;

export class FrameCapture {
  private gzip: Gzip | null = null;
  private file: WriteStream | null = null;
  private openedAtMs = 0;
  frames = 0;
  readonly files: string[] = [];

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  write(source: string, data: Buffer | string, recvTsMs: number): void {
    if (!this.gzip || recvTsMs - this.openedAtMs >= ROTATE_MS) this.rotate(recvTsMs);
    const frame = typeof data === 'string' ? data : data.toString('utf8');
    this.gzip!.write(`${JSON.stringify({ recvTsMs, source, frame })}\n`);
    this.frames++;
  }

  private rotate(nowMs: number): void {
    void this.closeCurrent();
    const path = join(this.dir, `frames-${new Date(nowMs).toISOString().replace(/[:.]/g, '-')}.jsonl.gz`);
    this.gzip = createGzip();
    this.file = createWriteStream(path);
    this.gzip.pipe(this.file);
    this.openedAtMs = nowMs;
    this.files.push(path);
  }

  private closeCurrent(): Promise<void> {
    const gzip = this.gzip;
    const file = this.file;
    this.gzip = null;
    this.file = null;
    if (!gzip || !file) return Promise.resolve();
    return new Promise((resolve) => {
      file.once('close', () => resolve());
      gzip.end();
    });
  }

  close(): Promise<void> {
    return this.closeCurrent();
  }
}
