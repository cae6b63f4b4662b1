// Human and JSON forms of check reports, shared by every check and `check all`.
import { formatTable, paintText, type CommandOutput, type Tone } from '@cqt/config';
import { exitCodeOf, overallStatus, type CheckItem, type CheckReport, type ItemStatus, type Threshold, type Unit } from './report.js';

const statusTone: Record<ItemStatus, Tone> = { pass: 'good', warn: 'warn', fail: 'bad', skip: 'muted' };

export function paintStatus(status: ItemStatus, colour: boolean): string {
  return paintText(status.toUpperCase(), statusTone[status], colour);
}

/** 3.25 → "3.25 s", 0.9953 → "99.53 %", counts as integers; null → "-". */
export function formatValue(value: CheckItem['observed'], unit: Unit): string {
  if (value === null) return '-';
  if (typeof value !== 'number') return String(value);
  if (unit === 's') return `${round(value, 3)} s`;
  if (unit === 'ratio') return `${round(value * 100, 2)} %`;
  return String(round(value, 6));
}

export function formatThreshold(threshold: Threshold | null, unit: Unit): string {
  if (threshold === null) return '-';
  if ('expect' in threshold) return threshold.expect;
  if ('max' in threshold) {
    const warn = threshold.warnAbove === undefined ? '' : ` (warn > ${formatValue(threshold.warnAbove, unit)})`;
    return `≤ ${formatValue(threshold.max, unit)}${warn}`;
  }
  const warn = threshold.warnBelow === undefined ? '' : ` (warn < ${formatValue(threshold.warnBelow, unit)})`;
  return `≥ ${formatValue(threshold.min, unit)}${warn}`;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Where an item read its value: `table.column`, with the window when it has one. */
function readFrom(item: CheckItem): string {
  const at = [item.table, item.column].filter(Boolean).join('.') || '-';
  return item.windowSec === null ? at : `${at} (${item.windowSec} s)`;
}

function summary(report: CheckReport): string {
  const { pass, warn, fail, skip } = report.counts;
  return `${pass} pass, ${warn} warn, ${fail} fail, ${skip} skip`;
}

export function renderReport(report: CheckReport, colour: boolean): string {
  const title = `check ${report.check} — as of ${report.asOf}, window ${report.windowSec} s`;
  const rows = report.items.map((item) => [
    item.name,
    { text: item.status.toUpperCase(), tone: statusTone[item.status] },
    formatValue(item.observed, item.unit),
    formatThreshold(item.threshold, item.unit),
    readFrom(item),
    item.detail,
  ]);
  const table = rows.length ? formatTable(['item', 'status', 'observed', 'threshold', 'read', 'detail'], rows, colour) : '(no items)';
  return `${paintText(title, 'strong', colour)}\n${table}\n${report.check}: ${summary(report)} → ${paintStatus(report.overall, colour)}`;
}

/** Every report's table, then one OVERALL line naming the checks that failed. */
export function renderReports(reports: readonly CheckReport[], colour: boolean): string {
  const overall = overallStatus(reports.map((r) => ({ status: r.overall })));
  const failed = reports.filter((r) => r.overall === 'fail').map((r) => `${r.check}: ${r.counts.fail} fail`);
  const why = failed.length ? ` (${failed.join(', ')})` : overall === 'skip' ? ' (every item skipped)' : '';
  return [...reports.map((r) => renderReport(r, colour)), `OVERALL ${paintStatus(overall, colour)}${why}`].join('\n\n');
}

/** JSON of one check: its report. JSON of several (`check all`): their reports and the overall status. */
export function reportsJson(reports: readonly CheckReport[]): unknown {
  if (reports.length === 1) return reports[0];
  return {
    check: 'all',
    asOf: reports[0]?.asOf ?? null,
    windowSec: reports[0]?.windowSec ?? null,
    overall: overallStatus(reports.map((r) => ({ status: r.overall }))),
    checks: reports,
  };
}

/** The CommandOutput of one or several checks: exit 1 when any item failed. */
export function checkOutput(reports: readonly CheckReport[]): CommandOutput {
  return {
    exitCode: exitCodeOf(reports),
    json: reportsJson(reports),
    human: ({ colour }) => renderReports(reports, colour),
  };
}
