// `cqt model compare`: champion against shadow on matured snapshots — the rows both predicted
// (model_predictions, no error) whose labels are known: ts in [asOf − window, asOf − H], labels
// from an export of that range (`--dataset FILE`, or `--last` exported now).
// Per model: log loss, Brier, hit rate of the predicted side, ECE with its calibration table, and
// the realised ev: the mean net return of taking the predicted side (UP long, DOWN short) to H,
// ret_h − cost for a long, −ret_h − cost for a short, over the rows where a side was predicted.
import { CLASS_COUNT, calibrationTable, DatasetError, readDatasetFile, scores, topClass, type CalibrationBin, type Scores } from '@cqt/models';
import { UsageError, type CommandOutput } from '@cqt/config';
import type { Db } from '@cqt/db';
import { aliases } from './registry.js';

export interface CompareSide {
  version: number;
  scores: Scores;
  calibration: CalibrationBin[];
  /** Rows where UP or DOWN was the most probable class, and their mean net return. */
  trades: number;
  realisedEv: number | null;
}

export interface CompareResult {
  windowFrom: string;
  windowTo: string;
  horizonSec: number;
  rows: number;
  champion: CompareSide | null;
  shadow: CompareSide | null;
  note: string | null;
}

export async function compareRoles(db: Db, file: string, windowSec: number, asOfMs: number): Promise<CompareResult> {
  const current = await aliases(db.sql);
  if (current.champion === undefined || current.shadow === undefined) {
    throw new UsageError('compare needs both a champion and a shadow', 'cqt model promote V --to shadow (and --to champion)');
  }
  const [{ h }] = await db.sql<{ h: number }[]>`select horizon_sec as h from model_versions where id = ${current.champion}`;
  const fromMs = asOfMs - windowSec * 1000;
  const toMs = asOfMs - h * 1000;
  const rows = await db.sql<{ ts: Date; model_version: string; p_up: number; p_down: number; p_none: number }[]>`
    select ts, model_version, p_up, p_down, p_none from model_predictions
    where model_version in (${current.champion}, ${current.shadow}) and horizon_sec = ${h} and error is null and p_up is not null
      and ts >= ${new Date(fromMs)} and ts <= ${new Date(toMs)}
    order by ts`;
  let labelled;
  try {
    labelled = (await readDatasetFile(file, { features: [], horizonSec: h })).data;
  } catch (err) {
    if (err instanceof DatasetError) throw new UsageError(err.message, err.hint, err);
    throw err;
  }
  const row = new Map<number, number>();
  for (let i = 0; i < labelled.rows; i++) row.set(labelled.t0Ms[i], i);
  const byTs = new Map<number, { champion?: number[]; shadow?: number[] }>();
  for (const r of rows) {
    const entry = byTs.get(r.ts.getTime()) ?? {};
    entry[Number(r.model_version) === current.champion ? 'champion' : 'shadow'] = [r.p_up, r.p_down, r.p_none];
    byTs.set(r.ts.getTime(), entry);
  }
  const keep = [...byTs.entries()].filter(([ts, e]) => e.champion && e.shadow && row.has(ts));
  const base = { windowFrom: new Date(fromMs).toISOString(), windowTo: new Date(toMs).toISOString(), horizonSec: h, rows: keep.length };
  if (keep.length === 0) return { ...base, champion: null, shadow: null, note: 'no snapshot has both predictions and a label in the window' };
  const y = Uint8Array.from(keep, ([ts]) => labelled.y[row.get(ts)!]);
  const side = (role: 'champion' | 'shadow', version: number): CompareSide => {
    const p = Float64Array.from(keep.flatMap(([, e]) => e[role]!));
    let trades = 0;
    let net = 0;
    keep.forEach(([ts], i) => {
      const top = topClass(p, i);
      const j = row.get(ts)!;
      const ret = labelled.horizonReturn[j];
      const cost = Number.isFinite(labelled.costRoundtrip[j]) ? labelled.costRoundtrip[j] : 0;
      if (top === CLASS_COUNT - 1 || !Number.isFinite(ret)) return;
      trades++;
      net += (top === 0 ? ret : -ret) - cost;
    });
    return { version, scores: scores(p, y), calibration: calibrationTable(p, y), trades, realisedEv: trades ? net / trades : null };
  };
  return { ...base, champion: side('champion', current.champion), shadow: side('shadow', current.shadow), note: null };
}

export function compareOutput(r: CompareResult): CommandOutput {
  const f = (v: number | null, d = 4) => (v === null ? '-' : v.toFixed(d));
  return {
    exitCode: 0,
    json: r,
    human: () => {
      const head = `champion vs shadow on ${r.rows} matured snapshots, ${r.windowFrom} → ${r.windowTo} (H ${r.horizonSec} s)`;
      if (!r.champion || !r.shadow) return `${head}\n  ${r.note}`;
      const line = (name: string, s: CompareSide) =>
        `  ${name.padEnd(9)} v${String(s.version).padEnd(4)} log loss ${f(s.scores.logLoss)}  Brier ${f(s.scores.brier)}  hit rate ${f(s.scores.accuracy, 3)}  ECE ${f(s.scores.ece)}  realised ev ${f(s.realisedEv, 6)} over ${s.trades} sides`;
      const bins = r.champion.calibration
        .map((b, i) => ({ b, s: r.shadow!.calibration[i] }))
        .filter(({ b, s }) => b.rows || s.rows)
        .map(({ b, s }) => `    ${b.from.toFixed(1)}–${b.to.toFixed(1)}  champion ${String(b.rows).padStart(5)} rows conf ${f(b.confidence, 3)} hit ${f(b.hitRate, 3)}   shadow ${String(s.rows).padStart(5)} rows conf ${f(s.confidence, 3)} hit ${f(s.hitRate, 3)}`);
      return [head, line('champion', r.champion), line('shadow', r.shadow), '  calibration (top-label confidence bins):', ...bins].join('\n');
    },
  };
}
