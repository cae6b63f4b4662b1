// Readers for the real recordings in shared/fixtures/real (see SOURCES.md):
// - hftbacktest: gzip text, `<local time µs|ns> <combined-stream JSON>` per line;
// - cryptofeed: `<recv epoch s>: <frame>` per line, Upbit frames stored as Python bytes
//   literals b'…', mixed with connect/subscribe/REST/configuration lines that are skipped.
// Frames keep their exact text; nothing is parsed here beyond what classifies them.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export type RecordingFormat = 'hftbacktest' | 'cryptofeed' | 'cqt-capture';
export type RecordedVenue = 'binance' | 'upbit';

export interface RecordedFrame {
  /** Local receive time in ms (fractional when the file had µs or ns). */
  localTsMs: number;
  /** The frame's JSON text as received. */
  text: string;
}

export interface Recording {
  path: string;
  format: RecordingFormat;
  venue: RecordedVenue;
  frames: RecordedFrame[];
}

/** Epoch integer of unknown unit (s, ms, µs, ns) → ms. */
export function epochToMs(value: number): number {
  if (value > 1e17) return value / 1e6;
  if (value > 1e14) return value / 1e3;
  if (value > 1e11) return value;
  return value * 1e3;
}

/** Decodes a Python bytes literal (`b'…'` or `b"…"`) holding UTF-8 text. */
export function decodePythonBytesLiteral(literal: string): string {
  const match = /^b(['"])([\s\S]*)\1$/.exec(literal.trim());
  if (!match) throw new Error(`not a Python bytes literal: ${literal.slice(0, 40)}`);
  const body = match[2];
  const bytes: number[] = [];
  const simple: Record<string, number> = { n: 10, r: 13, t: 9, '\\': 92, "'": 39, '"': 34, '0': 0 };
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch !== '\\') {
      bytes.push(...Buffer.from(ch, 'utf8'));
      continue;
    }
    const next = body[++i];
    if (next === 'x') {
      bytes.push(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (next in simple) bytes.push(simple[next]);
    else bytes.push(92, next.charCodeAt(0));
  }
  return Buffer.from(bytes).toString('utf8');
}

async function readText(path: string): Promise<string> {
  const raw = await readFile(path);
  // gzip magic number; recordings may or may not be compressed whatever their extension.
  return (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString('utf8');
}

function hftbacktestFrames(text: string): RecordedFrame[] {
  const frames: RecordedFrame[] = [];
  for (const line of text.split('\n')) {
    const space = line.indexOf(' ');
    if (space <= 0) continue;
    const json = line.slice(space + 1).trim();
    // The first line of a session may be a bare REST depth snapshot: not a stream frame.
    if (!json.startsWith('{"stream"')) continue;
    frames.push({ localTsMs: epochToMs(Number(line.slice(0, space))), text: json });
  }
  return frames;
}

function cryptofeedFrames(text: string): { frames: RecordedFrame[]; venue: RecordedVenue } {
  const frames: RecordedFrame[] = [];
  let venue: RecordedVenue = text.includes('api.upbit.com') ? 'upbit' : 'binance';
  for (const line of text.split('\n')) {
    const match = /^(\d+(?:\.\d+)?): (.*)$/.exec(line);
    if (!match) continue;
    const payload = match[2].trim();
    let json: string;
    if (payload.startsWith("b'") || payload.startsWith('b"')) {
      json = decodePythonBytesLiteral(payload);
      venue = 'upbit';
    } else json = payload;
    if (!json.startsWith('{') && !json.startsWith('[')) continue;
    frames.push({ localTsMs: Number(match[1]) * 1000, text: json });
  }
  return { frames, venue };
}

/** `cqt collect --capture` files: one JSON line per frame, {"recvTsMs","source","frame"}, one source per file. */
function captureFrames(text: string): { frames: RecordedFrame[]; venue: RecordedVenue } {
  const frames: RecordedFrame[] = [];
  let venue: RecordedVenue = 'binance';
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    const { recvTsMs, source, frame } = JSON.parse(line) as { recvTsMs: number; source: string; frame: string };
    venue = source.startsWith('upbit') ? 'upbit' : 'binance';
    if (frame.startsWith('{') || frame.startsWith('[')) frames.push({ localTsMs: recvTsMs, text: frame });
  }
  return { frames, venue };
}

export async function readHftbacktestFile(path: string): Promise<Recording> {
  return { path, format: 'hftbacktest', venue: 'binance', frames: hftbacktestFrames(await readText(path)) };
}

export async function readCryptofeedFile(path: string): Promise<Recording> {
  const { frames, venue } = cryptofeedFrames(await readText(path));
  return { path, format: 'cryptofeed', venue, frames };
}

/** Reads one file of either format; undefined when it holds no stream frames (e.g. REST-only files). */
export async function readRecordingFile(path: string): Promise<Recording | undefined> {
  const text = await readText(path);
  const firstLine = text.slice(0, text.indexOf('\n') >>> 0);
  let recording: Recording;
  if (/^\d{13,19} \{/.test(firstLine)) recording = { path, format: 'hftbacktest', venue: 'binance', frames: hftbacktestFrames(text) };
  else if (firstLine.startsWith('{"recvTsMs":')) recording = { path, format: 'cqt-capture', ...captureFrames(text) };
  else {
    const { frames, venue } = cryptofeedFrames(text);
    recording = { path, format: 'cryptofeed', venue, frames };
  }
  return recording.frames.length > 0 ? recording : undefined;
}

/** Files under a path (recursively for directories), in name order; markdown and JSON skipped. */
export async function findRecordingFiles(path: string): Promise<string[]> {
  const info = await stat(path);
  if (!info.isDirectory()) return [path];
  const out: string[] = [];
  for (const entry of (await readdir(path, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) out.push(...(await findRecordingFiles(full)));
    else if (!/\.(md|json)$/i.test(entry.name)) out.push(full);
  }
  return out;
}

/** Every stream recording found under the given files/directories. */
export async function loadRecordings(paths: string | string[]): Promise<Recording[]> {
  const files: string[] = [];
  for (const p of Array.isArray(paths) ? paths : [paths]) files.push(...(await findRecordingFiles(p)));
  const recordings = await Promise.all(files.map(readRecordingFile));
  return recordings.filter((r): r is Recording => r !== undefined);
}
