// Exactly one process may open a PGlite data dir (two silently corrupt it). The owner holds a
// lock file naming its pid and the socket it serves the store on; everyone else connects there.
// A lock whose pid is dead is stale and is taken over; the takeover itself is serialised by an
// atomic mkdir so two processes that both saw the stale lock cannot both become owner.
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

export interface LockInfo {
  pid: number;
  host: string;
  socketPath: string;
  startedAtMs: number;
  /** 'starting' while the owner opens and migrates the store; clients wait for 'ready'. */
  state: 'starting' | 'ready';
}

/** `replaced`: the stale lock this attempt took over, if any. */
export type LockAttempt = { kind: 'acquired'; replaced?: LockInfo } | { kind: 'held'; info: LockInfo } | { kind: 'busy' };

/** How long a takeover marker may exist before it is itself considered abandoned. */
const TAKEOVER_STALE_MS = 10_000;

export class OwnerLock {
  /** `socketPath` is asked only when this process writes the lock as its owner. */
  constructor(
    readonly lockPath: string,
    private readonly socketPath: () => string,
  ) {}

  private get takeoverPath(): string {
    return `${this.lockPath}.takeover`;
  }

  /** One attempt to become owner; never waits. */
  tryAcquire(): LockAttempt {
    if (this.createExclusive()) return { kind: 'acquired' };
    const info = this.read();
    if (!info) return { kind: 'busy' }; // being written right now, or unreadable: look again
    if (isAlive(info)) return { kind: 'held', info };
    return this.takeOver(info) ? { kind: 'acquired', replaced: info } : { kind: 'busy' };
  }

  read(): LockInfo | null {
    return readLock(this.lockPath);
  }

  markReady(): void {
    this.write({ ...this.mine(), state: 'ready' });
  }

  /** Removes the lock if it is still ours (a successor may have taken it over meanwhile). */
  release(): void {
    const info = this.read();
    if (info && info.pid === process.pid && info.host === hostname()) rmSync(this.lockPath, { force: true });
  }

  private mine(): LockInfo {
    return { pid: process.pid, host: hostname(), socketPath: this.socketPath(), startedAtMs: Date.now(), state: 'starting' };
  }

  private createExclusive(): boolean {
    let fd: number;
    try {
      fd = openSync(this.lockPath, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    try {
      writeSync(fd, JSON.stringify(this.mine()));
    } finally {
      closeSync(fd);
    }
    return true;
  }

  private write(info: LockInfo): void {
    // Write-then-rename so a reader never sees half a lock file.
    const tmp = `${this.lockPath}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(info));
    renameSync(tmp, this.lockPath);
  }

  private takeOver(stale: LockInfo): boolean {
    try {
      mkdirSync(this.takeoverPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      this.clearAbandonedTakeover();
      return false;
    }
    try {
      const current = this.read();
      // Someone else finished a takeover between our read and our mkdir.
      if (!current || current.pid !== stale.pid || current.startedAtMs !== stale.startedAtMs) return false;
      this.write(this.mine());
      return true;
    } finally {
      rmSync(this.takeoverPath, { recursive: true, force: true });
    }
  }

  private clearAbandonedTakeover(): void {
    try {
      if (Date.now() - statSync(this.takeoverPath).mtimeMs > TAKEOVER_STALE_MS) {
        rmSync(this.takeoverPath, { recursive: true, force: true });
      }
    } catch {
      // Already gone.
    }
  }
}

/** The lock's contents, or null when it is missing, being replaced or unreadable. */
export function readLock(lockPath: string): LockInfo | null {
  try {
    const info = JSON.parse(readFileSync(lockPath, 'utf8')) as LockInfo;
    return Number.isInteger(info.pid) && typeof info.socketPath === 'string' ? info : null;
  } catch {
    return null;
  }
}

/**
 * Whether a lock holder's process still exists. A holder on another host cannot be probed and
 * counts as alive: its lock stays until removed by hand.
 */
export function isAlive(info: { pid: number; host: string }): boolean {
  if (info.host !== hostname()) return true;
  try {
    process.kill(info.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
