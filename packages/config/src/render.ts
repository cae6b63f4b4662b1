// Human output for every command: plain aligned tables with optional ANSI colour. No terminal
// library, so output is identical in cron mail, CI logs and tests.

export type Tone = 'good' | 'warn' | 'bad' | 'muted' | 'strong';

const ANSI: Record<Tone, string> = { good: '32', warn: '33', bad: '31', muted: '90', strong: '1' };

/** Colours text when allowed; without colour it is returned unchanged. */
export function paintText(text: string, tone: Tone, colour: boolean): string {
  return colour ? `\u001b[${ANSI[tone]}m${text}\u001b[0m` : text;
}

export interface Cell {
  text: string;
  tone?: Tone;
}

/**
 * Columns padded to their widest cell, a rule under the header, two spaces between columns.
 * Colour is applied after padding so escape codes never skew the alignment.
 */
export function formatTable(head: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | Cell>>, colour: boolean): string {
  const cells = rows.map((row) => row.map((c) => (typeof c === 'string' ? { text: c } : c)));
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((row) => (row[i]?.text ?? '').length)));
  // The last column is not padded, so no line ends in spaces (coloured or not).
  const pad = (text: string, i: number) => (i === widths.length - 1 ? text : text.padEnd(widths[i]));
  const line = (parts: Cell[]) => parts.map((c, i) => (c.tone ? paintText(pad(c.text, i), c.tone, colour) : pad(c.text, i))).join('  ');
  return [
    line(head.map((text) => ({ text, tone: 'strong' }))),
    line(widths.map((w) => ({ text: '-'.repeat(w) }))),
    ...cells.map((row) => line(widths.map((_, i) => row[i] ?? { text: '' }))),
  ].join('\n');
}

/** "3.2 s", "4.5 min", "2.1 h", "3.0 d"; null → "-". */
export function formatAge(sec: number | null): string {
  if (sec === null) return '-';
  if (sec < 120) return `${Math.round(sec * 10) / 10} s`;
  if (sec < 7200) return `${(sec / 60).toFixed(1)} min`;
  if (sec < 172_800) return `${(sec / 3600).toFixed(1)} h`;
  return `${(sec / 86_400).toFixed(1)} d`;
}
