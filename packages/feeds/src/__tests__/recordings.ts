// Readers for the real recordings in ../shared/fixtures/real (framing per its SOURCES.md).
// Test-only: the collector never reads these files.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface RecordedFrame {
  /** 1-based line in the file, for failure messages. */
  line: number;
  recvTsMs: number;
  frame: string;
}

export interface Recording {
  /** The whole file, for counts made independently of the frame split. */
  text: string;
  frames: RecordedFrame[];
  /** Lines that are not stream frames (REST snapshots, connect markers, configuration). */
  otherLines: string[];
}

export function readText(dir: string, file: string): string {
  const bytes = readFileSync(join(dir, file));
  return file.endsWith('.gz') ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
}

/**
 * hftbacktest: `<local receive time> <raw JSON>` per line, split on the first space. The time is
 * µs in the .dat.gz files and ns in the .gz one; a session may start with a bare REST depth
 * snapshot (no `stream` key), which is reported as another line.
 */
export function readHftbacktest(dir: string, file: string): Recording {
  const recording: Recording = { text: readText(dir, file), frames: [], otherLines: [] };
  eachLine(recording.text, (text, line) => {
    const space = text.indexOf(' ');
    const frame = text.slice(space + 1);
    if (!frame.startsWith('{"stream"')) {
      recording.otherLines.push(text);
      return;
    }
    const localTime = text.slice(0, space);
    const divisor = localTime.length >= 19 ? 1_000_000 : 1_000;
    recording.frames.push({ line, recvTsMs: Math.floor(Number(localTime) / divisor), frame });
  });
  return recording;
}

const RECEIVED = /^(\d+(?:\.\d+)?): (.*)$/s;

/**
 * cryptofeed: `<epoch seconds>: <frame>` for a received frame (split on the first ": "); Upbit's
 * binary frames are stored as a Python bytes literal b'...', returned here without the wrapper.
 * Other lines (REST bodies `url -> t: body`, `wss <-> t`, `configuration:`) are kept apart.
 */
export function readCryptofeed(dir: string, file: string): Recording {
  const recording: Recording = { text: readText(dir, file), frames: [], otherLines: [] };
  eachLine(recording.text, (text, line) => {
    const match = RECEIVED.exec(text);
    if (match === null) {
      recording.otherLines.push(text);
      return;
    }
    recording.frames.push({ line, recvTsMs: Math.round(Number(match[1]) * 1000), frame: unwrapBytesLiteral(match[2], file, line) });
  });
  return recording;
}

function unwrapBytesLiteral(frame: string, file: string, line: number): string {
  if (!frame.startsWith("b'")) return frame;
  if (!frame.endsWith("'")) throw new Error(`${file}:${line}: unterminated bytes literal`);
  const body = frame.slice(2, -1);
  // Python escapes (\xNN for non-ASCII, \\, \') would need decoding; the recordings have none,
  // so meeting one means the files changed and this reader must learn them.
  if (body.includes('\\')) throw new Error(`${file}:${line}: bytes literal with escapes is not supported`);
  return body;
}

/** Calls `visit` for each non-blank line with its 1-based number. */
function eachLine(text: string, visit: (line: string, lineNumber: number) => void): void {
  text.split('\n').forEach((line, i) => {
    if (line.trim() !== '') visit(line, i + 1);
  });
}

/** Occurrences of `needle` in `text`: an independent count to compare parser output with. */
export function countOf(text: string, needle: string): number {
  let count = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) count++;
  return count;
}

/** Events per kind. */
export function countKinds(events: readonly { kind: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of events) counts[event.kind] = (counts[event.kind] ?? 0) + 1;
  return counts;
}
