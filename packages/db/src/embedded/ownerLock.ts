// Exactly one process may open a PGlite data dir (two silently corrupt it). The owner holds a
// lock file naming its pid and the socket it serves the store on; everyone else connects there.
// A lock whose owner is gone is stale and is taken over; the takeover itself is serialised by an
// atomic mkdir so two processes that both saw the stale lock cannot both become owner. A pid
// alone does not identify the owner (a restarted container's cqt is pid 1 again; after a reboot
// any pid may belong to an unrelated process), so the lock also records the pid's start time and
// the machine's boot id.
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

export interface LockInfo {
  pid: number;
  host: string;
  socketPath: string;
  startedAtMs: number;
  /** The machine's boot id when the lock was written (Linux; absent in older locks). */
  bootId?: string;
  /** When the owner's process started, in clock ticks since boot (Linux; absent in older locks). */
  pidStartTicks?: number;
  /** 'starting' while the owner opens and migrates the store; clients wait for 'ready'. */
  state: 'starting' | 'ready';
}

/** `replaced`: the stale lock this attempt took over, if any. */
export type LockAttempt = { kind: 'acquired'; replaced?: LockInfo } | { kind: 'held'; info: LockInfo } | { kind: 'busy' };

/** How long a takeover marker may exist before it is itself considered abandoned. */
const TAKEOVER_STALE_MS = 10_000;

export class OwnerLock {
  /**
   * `socketPath` is asked only when this process writes the lock as its owner; `heldHere` says
   * whether this process owns the store now.
   */
  constructor(
    readonly lockPath: string,
    private readonly socketPath: () => string,
    private readonly heldHere: () => boolean,
  ) {}

  /**
   * Whether the lock's holder still holds it. A lock naming this process is held only while this
   * process owns the store: otherwise an earlier life of the same pid left it (a restarted
   * container's cqt is pid 1 again).
   */
  holderAlive(info: LockInfo): boolean {
    return info.pid === process.pid && info.host === hostname() ? this.heldHere() : isAlive(info);
  }

  private get takeoverPath(): string {
    return `${this.lockPath}.takeover`;
  }

  /** One attempt to become owner; never waits. */
  tryAcquire(): LockAttempt {
    if (this.createExclusive()) return { kind: 'acquired' };
    const info = this.read();
    if (!info) return { kind: 'busy' }; // being written right now, or unreadable: look again
    if (this.holderAlive(info)) return { kind: 'held', info };
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
    return {
      pid: process.pid,
      host: hostname(),
      socketPath: this.socketPath(),
      startedAtMs: Date.now(),
      bootId: BOOT_ID,
      pidStartTicks: OWN_START_TICKS,
      state: 'starting',
    };
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

/** This machine's boot id (Linux), or undefined. */
function readBootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** When a process started, in clock ticks since boot (Linux: field 22 of /proc/<pid>/stat), or undefined. */
export function processStartTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

const BOOT_ID = readBootId();
const OWN_START_TICKS = processStartTicks(process.pid);

/**
 * Whether a lock's holder is still running. A holder on another host cannot be probed and
 * counts as alive: its lock stays until removed by hand. On this host the holder is gone when
 * the machine restarted since (boot id), when no process has its pid, or when the process with
 * that pid started at another time. A lock without start time and boot id (an older cqt, or no
 * /proc) has only its pid to go on.
 */
export function isAlive(info: { pid: number; host: string; bootId?: string; pidStartTicks?: number }): boolean {
  if (info.host !== hostname()) return true;
  if (info.bootId && BOOT_ID && info.bootId !== BOOT_ID) return false;
  if (!pidExists(info.pid)) return false;
  if (info.pidStartTicks === undefined) return true;
  const started = processStartTicks(info.pid);
  return started === undefined || started === info.pidStartTicks;
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
