// Optional raw capture (--capture DIR): every received frame with its receive time, one JSON line
// each ({"recvTsMs","source","frame"}), gzip files per source rotated hourly. The fake exchange
// replays them (`cqt fake-exchange --replay DIR`).
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createGzip, type Gzip } from 'node:zlib';

const ROTATE_MS = 3600_000;

interface OpenFile {
  gzip: Gzip;
  file: WriteStream;
  openedAtMs: number;
}

export class FrameCapture {
  private readonly open = new Map<string, OpenFile>();
  frames = 0;
  readonly files: string[] = [];

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  write(source: string, data: Buffer | string, recvTsMs: number): void {
    let f = this.open.get(source);
    if (!f || recvTsMs - f.openedAtMs >= ROTATE_MS) f = this.rotate(source, recvTsMs);
    const frame = typeof data === 'string' ? data : data.toString('utf8');
    f.gzip.write(`${JSON.stringify({ recvTsMs, source, frame })}\n`);
    this.frames++;
  }

  private rotate(source: string, nowMs: number): OpenFile {
    const old = this.open.get(source);
    if (old) void finish(old);
    const path = join(this.dir, `${source}-${new Date(nowMs).toISOString().replace(/[:.]/g, '-')}.jsonl.gz`);
    const gzip = createGzip();
    const file = createWriteStream(path);
    gzip.pipe(file);
    const f = { gzip, file, openedAtMs: nowMs };
    this.open.set(source, f);
    this.files.push(path);
    return f;
  }

  async close(): Promise<void> {
    await Promise.all([...this.open.values()].map(finish));
    this.open.clear();
  }
}

function finish(f: OpenFile): Promise<void> {
  return new Promise((resolve) => {
    f.file.once('close', () => resolve());
    f.gzip.end();
  });
}
