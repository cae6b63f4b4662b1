// Optional raw capture (--capture DIR): every received frame with its receive time, one JSON line
// each ({"recvTsMs","source","frame"}), gzip files per source rotated hourly. The fake exchange
// replays them (`cqt fake-exchange --replay DIR`).
//
// The capture is a by-product: a full or vanished volume stops it (reported once through
// onFailed) and never the collection, whose rows are the point. A burst faster than gzip and the
// disk is dropped and counted (onDropped) rather than held in memory without bound.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createGzip, type Gzip } from 'node:zlib';
import { UsageError } from '@cqt/config';

const ROTATE_MS = 3600_000;
/** Bytes a source's file may have waiting for gzip and the disk before frames are dropped. */
const MAX_QUEUED_BYTES = 4 * 2 ** 20;

interface OpenFile {
  source: string;
  path: string;
  gzip: Gzip;
  file: WriteStream;
  openedAtMs: number;
  /** Frames dropped since the last one captured (reported when capturing resumes, or at close). */
  droppedFrames: number;
}

export interface CaptureHooks {
  /** The capture stopped for good: `error` is "CODE: message", `path` the file it failed on. */
  onFailed?(error: string, path: string): void;
  /** Frames of `source` that were not captured because the disk fell behind. */
  onDropped?(source: string, frames: number): void;
}

export class FrameCapture {
  private readonly open = new Map<string, OpenFile>();
  /** Frames written to the capture. */
  frames = 0;
  /** Frames not captured: dropped under back-pressure, or received after the capture stopped. */
  framesDropped = 0;
  /** Why the capture stopped ("CODE: message"); null while it runs. */
  error: string | null = null;
  readonly files: string[] = [];

  constructor(
    private readonly dir: string,
    private readonly hooks: CaptureHooks = {},
  ) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw new UsageError(`cannot create the capture folder ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'give --capture a folder on a writable volume');
    }
  }

  write(source: string, data: Buffer | string, recvTsMs: number): void {
    if (this.error !== null) {
      this.framesDropped++;
      return;
    }
    let f = this.open.get(source);
    if (!f || recvTsMs - f.openedAtMs >= ROTATE_MS) f = this.rotate(source, recvTsMs);
    if (f.gzip.writableLength >= MAX_QUEUED_BYTES) {
      f.droppedFrames++;
      this.framesDropped++;
      return;
    }
    this.reportDropped(f);
    const frame = typeof data === 'string' ? data : data.toString('utf8');
    f.gzip.write(`${JSON.stringify({ recvTsMs, source, frame })}\n`);
    this.frames++;
  }

  /** One line for the status display: frames written, dropped, or why the capture is off. */
  describe(): string {
    const dropped = this.framesDropped ? `, ${this.framesDropped} not captured` : '';
    return this.error !== null ? `capture off (${this.error})${dropped}` : `capture ${this.frames} frames${dropped}`;
  }

  private rotate(source: string, nowMs: number): OpenFile {
    const old = this.open.get(source);
    if (old) void this.finish(old);
    const path = join(this.dir, `${source}-${new Date(nowMs).toISOString().replace(/[:.]/g, '-')}.jsonl.gz`);
    const gzip = createGzip();
    const file = createWriteStream(path);
    gzip.pipe(file);
    const f: OpenFile = { source, path, gzip, file, openedAtMs: nowMs, droppedFrames: 0 };
    // Without these listeners an I/O error is an uncaught exception that ends the collector.
    gzip.on('error', (err) => this.fail(f, err));
    file.on('error', (err) => this.fail(f, err));
    this.open.set(source, f);
    this.files.push(path);
    return f;
  }

  private fail(f: OpenFile, err: NodeJS.ErrnoException): void {
    if (this.error !== null) return;
    this.error = `${err.code ?? err.name}: ${err.message.replace(/^[A-Z]+: /, '')}`;
    for (const o of this.open.values()) {
      this.reportDropped(o);
      o.gzip.destroy();
      o.file.destroy();
    }
    this.open.clear();
    this.hooks.onFailed?.(this.error, f.path);
  }

  private reportDropped(f: OpenFile): void {
    if (f.droppedFrames === 0) return;
    const frames = f.droppedFrames;
    f.droppedFrames = 0;
    this.hooks.onDropped?.(f.source, frames);
  }

  private finish(f: OpenFile): Promise<void> {
    return new Promise((resolve) => {
      // A file that failed is destroyed already and will not close again.
      if (f.file.destroyed) return resolve();
      f.file.once('close', () => {
        this.reportDropped(f);
        resolve();
      });
      f.gzip.end();
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.open.values()].map((f) => this.finish(f)));
    this.open.clear();
  }
}
