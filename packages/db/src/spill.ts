// Spill files: rows a writer could not write before it had to stop (the database away at
// shutdown), saved locally so the next start writes them (`replaySpills` in writer.ts). One file
// per writer and stop, JSON lines: a header, then one row per line with every value in the
// Postgres text form the writer sends (so a replay casts exactly what would have been sent).
// Written under a temporary name and renamed, so a file with the .jsonl name is always complete.
import { closeSync, createReadStream, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface SpillHeader {
  cqtSpill: 1;
  table: string;
  onConflict: 'update' | 'ignore';
  /** The database the rows were meant for (Db.location): a file is replayed only into it. */
  location: string;
  rows: number;
  savedAt: string;
}

export type SpillRow = Record<string, string | null>;

const LINES_PER_WRITE = 1000;

/** Writes the rows to a new spill file in dir and returns its path. */
export function writeSpillFile(dir: string, header: Omit<SpillHeader, 'cqtSpill' | 'rows' | 'savedAt'>, rows: readonly SpillRow[]): string {
  mkdirSync(dir, { recursive: true });
  const savedAt = new Date().toISOString();
  const name = `${header.table}.${savedAt.replace(/[-:.]/g, '')}.${process.pid}.${Math.random().toString(36).slice(2, 6)}.jsonl`;
  const path = join(dir, name);
  const tmp = join(dir, `.${name}.tmp`);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify({ cqtSpill: 1, ...header, rows: rows.length, savedAt } satisfies SpillHeader)}\n`);
    // In slices: one string of half a million rows could exceed what a string may hold.
    for (let i = 0; i < rows.length; i += LINES_PER_WRITE) {
      writeSync(fd, `${rows.slice(i, i + LINES_PER_WRITE).map((r) => JSON.stringify(r)).join('\n')}\n`);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return path;
}

/** The complete spill files in dir (none when dir does not exist), oldest first. */
export function listSpillFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names
    .filter((n) => n.endsWith('.jsonl') && !n.startsWith('.'))
    .sort()
    .map((n) => join(dir, n));
}

/**
 * Reads a spill file: the header, then its rows in chunks. Throws when the header is not a spill
 * header or a line is not JSON.
 */
export async function readSpillFile(path: string, onHeader: (h: SpillHeader) => boolean, onRows: (rows: SpillRow[]) => Promise<void>, chunkRows = 5000): Promise<void> {
  const input = createReadStream(path, 'utf8');
  const lines = createInterface({ input, crlfDelay: Infinity });
  let header: SpillHeader | null = null;
  let chunk: SpillRow[] = [];
  try {
    for await (const line of lines) {
      if (line.trim() === '') continue;
      const value = JSON.parse(line) as unknown;
      if (!header) {
        if (!isSpillHeader(value)) throw new Error('the first line is not a spill header');
        header = value;
        if (!onHeader(header)) return;
        continue;
      }
      if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('a row line is not a JSON object');
      chunk.push(value as SpillRow);
      if (chunk.length >= chunkRows) {
        await onRows(chunk);
        chunk = [];
      }
    }
    if (!header) throw new Error('the file is empty');
    if (chunk.length) await onRows(chunk);
  } finally {
    lines.close();
    input.destroy();
  }
}

function isSpillHeader(v: unknown): v is SpillHeader {
  const h = v as Partial<SpillHeader> | null;
  return !!h && h.cqtSpill === 1 && typeof h.table === 'string' && typeof h.location === 'string' && (h.onConflict === 'update' || h.onConflict === 'ignore');
}
