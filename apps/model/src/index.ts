// `cqt model`: the registry of trained models in the store and their lifecycle.
// - register FILE: a sealed artifact from `cqt train` becomes a version (its id); idempotent.
// - list / show V / history: versions, aliases and the alias history.
// - promote V --to shadow: points the shadow alias at V (no gate: a shadow only watches).
// - promote V --to champion: the gate (packages/models/src/gate.ts) compares V with the current
//   champion (or, without one, the unfitted baseline) on the same matured rows of an export that
//   neither was trained on (t0 after both training ranges' last label_ts); failing → exit 1 with
//   the figures and nothing changes; --force --reason promotes anyway and records it.
// - rollback: the champion goes back to the version the current one replaced, in one step.
// - compare: champion vs shadow on matured snapshots (compare.ts).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig, UsageError, type CommandOutput } from '@cqt/config';
import { openDb, type Db } from '@cqt/db';
import {
  DatasetError,
  evaluateGate,
  GATE_DEFAULTS,
  modelFeatures,
  predictProba,
  readDatasetFile,
  subset,
  unfittedBaseline,
  verifyArtifact,
  type Artifact,
  type GateResult,
  type GateRules,
  type ModelParams,
} from '@cqt/models';
import { compareOutput, compareRoles, type CompareResult } from './compare.js';
import { aliases, AliasMoved, artifactOf, history, listVersions, moveAlias, registerVersion, rollbackTarget, type Alias, type HistoryRow, type VersionRow } from './registry.js';

/** Exports the store's last `lastSec` to `out` (the binary hands over `cqt export`'s run). */
export type ExportDataset = (options: { out: string; lastSec: number; horizonSec: number; databaseUrl?: string; dataDir?: string; env?: NodeJS.ProcessEnv }) => Promise<unknown>;

export interface StoreOptions {
  databaseUrl?: string;
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  /** A handle to use instead of opening one (tests). */
  db?: Db;
}

async function withDb<T>(options: StoreOptions, body: (db: Db) => Promise<T>): Promise<T> {
  const { values: config } = loadConfig({ env: options.env, flags: { databaseUrl: options.databaseUrl, dataDir: options.dataDir } });
  const db = options.db ?? (await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  try {
    return await body(db);
  } finally {
    if (!options.db) await db.close();
  }
}

export function parseVersion(text: string | undefined): number {
  if (text !== undefined && /^\d+$/.test(text) && Number(text) > 0) return Number(text);
  throw new UsageError(text === undefined ? 'missing V: the model version' : `invalid version "${text}"`, 'a version number from cqt model list');
}

async function requireArtifact(db: Db, version: number): Promise<Artifact> {
  const artifact = await artifactOf(db.sql, version);
  if (!artifact) throw new UsageError(`no model version ${version}`, 'cqt model list shows the registered versions');
  return artifact;
}

// ---- register ----

export interface RegisterResult {
  version: number;
  created: boolean;
  sha256: string;
  kind: string;
  file: string;
}

export async function register(file: string, options: StoreOptions = {}): Promise<RegisterResult> {
  const path = resolve(file);
  let artifact: Artifact;
  try {
    artifact = verifyArtifact(JSON.parse(readFileSync(path, 'utf8')));
  } catch (err) {
    throw new UsageError(`cannot register ${file}: ${(err as Error).message.split('\n')[0]}`, 'give an artifact written by cqt train, unchanged', err);
  }
  return withDb(options, async (db) => ({ ...(await registerVersion(db.sql, artifact, path)), sha256: artifact.sha256, kind: artifact.kind, file: path }));
}

export function registerOutput(r: RegisterResult): CommandOutput {
  return { exitCode: 0, json: r, human: () => `${r.created ? 'registered' : 'already registered:'} version ${r.version} (${r.kind}, sha256 ${r.sha256.slice(0, 12)}…) from ${r.file}` };
}

// ---- list / show / history ----

export async function list(options: StoreOptions = {}): Promise<VersionRow[]> {
  return withDb(options, (db) => listVersions(db.sql));
}

export function listOutput(rows: VersionRow[]): CommandOutput {
  return {
    exitCode: 0,
    json: { versions: rows },
    human: () =>
      rows.length === 0
        ? 'no model versions (cqt train, then cqt model register FILE)'
        : [
            'version  kind      H s   trained on                                          logloss  base     ECE     aliases',
            ...rows.map((r) =>
              [
                String(r.version).padEnd(8),
                r.kind.padEnd(9),
                String(r.horizonSec).padStart(4),
                ` ${r.trainFromTs} → ${r.trainToTs}`.padEnd(52),
                r.metrics.model.logLoss.toFixed(4).padStart(7),
                r.metrics.baseline.logLoss.toFixed(4).padStart(7),
                r.metrics.model.ece.toFixed(4).padStart(7),
                ` ${r.aliases.join(', ')}`,
              ].join(' '),
            ),
          ].join('\n'),
  };
}

export interface ShowResult {
  version: VersionRow;
  artifact: Artifact;
}

export async function show(version: number, options: StoreOptions = {}): Promise<ShowResult> {
  return withDb(options, async (db) => {
    const artifact = await requireArtifact(db, version);
    const row = (await listVersions(db.sql)).find((r) => r.version === version)!;
    return { version: row, artifact };
  });
}

export function showOutput(r: ShowResult): CommandOutput {
  const a = r.artifact;
  const f = (v: number) => v.toFixed(4);
  return {
    exitCode: 0,
    json: r,
    human: () =>
      [
        `version ${r.version.version}: ${a.kind}, H ${a.horizonSec} s${r.version.aliases.length ? ` (${r.version.aliases.join(', ')})` : ''}`,
        `  sha256       ${a.sha256}`,
        `  registered   ${r.version.createdAt} from ${r.version.source ?? '-'}`,
        `  trained on   ${a.training.rows} rows ${a.training.fromTs} → ${a.training.toTs} (labels to ${a.training.labelsToTs}; ${a.training.source})`,
        `  features     ${a.features.length ? a.features.join(', ') : '(sigma, r_t, H, cost)'}`,
        `  schema hash  ${a.schemaHash}`,
        `  code         ${a.codeVersion}`,
        `  validation   ${a.validation.spec.scheme}, ${a.validation.folds.length} folds, embargo ${a.validation.spec.embargoSec} s`,
        ...a.validation.folds.map((fold) => `    fold ${fold.index}: ${fold.testRows} rows, log loss ${f(fold.model.logLoss)} (baseline ${f(fold.baseline.logLoss)}), ECE ${f(fold.model.ece)}`),
        `    overall: log loss ${f(a.validation.overall.model.logLoss)} (baseline ${f(a.validation.overall.baseline.logLoss)}), Brier ${f(a.validation.overall.model.brier)}, accuracy ${a.validation.overall.model.accuracy.toFixed(3)}, ECE ${f(a.validation.overall.model.ece)}`,
      ].join('\n'),
  };
}

export async function aliasHistory(options: StoreOptions = {}): Promise<HistoryRow[]> {
  return withDb(options, (db) => history(db.sql));
}

export function historyOutput(rows: HistoryRow[]): CommandOutput {
  return {
    exitCode: 0,
    json: { history: rows },
    human: () =>
      rows.length === 0
        ? 'no alias changes yet'
        : rows.map((h) => `${h.ts}  ${h.alias.padEnd(8)} ${String(h.fromVersion ?? '-').padStart(4)} → ${String(h.toVersion).padEnd(4)} ${h.action}${h.forced ? ' FORCED' : ''}${h.reason ? `: ${h.reason}` : ''}`).join('\n'),
  };
}

// ---- promote / rollback ----

export interface PromoteOptions extends StoreOptions {
  to: Alias;
  reason?: string;
  force?: boolean;
  /** Matured rows for the gate: an export file, or the last N of the store exported now. */
  dataset?: string;
  lastSec?: number;
  minSamples?: number;
  logLossMargin?: number;
  maxEce?: number;
  exportDataset?: ExportDataset;
}

export interface PromoteResult {
  promoted: boolean;
  alias: Alias;
  version: number;
  from: number | null;
  forced: boolean;
  /** null for the shadow (no gate) and for --force without gate rows. */
  gate: (GateResult & { rules: GateRules; against: string; rowsFrom: string | null }) | null;
  history: HistoryRow | null;
}

export async function promote(version: number, options: PromoteOptions): Promise<PromoteResult> {
  if (options.force && !options.reason) throw new UsageError('--force needs --reason', 'say why the gate is overridden: --reason "…"');
  if (options.dataset !== undefined && options.lastSec !== undefined) throw new UsageError('--dataset and --last exclude each other', 'give one source of matured rows');
  return withDb(options, async (db) => {
    const candidate = await requireArtifact(db, version);
    const current = (await aliases(db.sql))[options.to] ?? null;
    if (current === version) throw new UsageError(`version ${version} is already the ${options.to}`, 'cqt model list');
    let gate: PromoteResult['gate'] = null;
    if (options.to === 'champion' && (options.dataset !== undefined || options.lastSec !== undefined || !options.force)) {
      if (options.dataset === undefined && options.lastSec === undefined) {
        throw new UsageError('the champion gate needs matured rows: --dataset FILE or --last DUR', 'e.g. cqt export --out recent.parquet --last 24h, then --dataset recent.parquet (or --force --reason "…")');
      }
      const champion = current === null ? null : await requireArtifact(db, current);
      gate = await runGate(candidate, champion, options);
      if (!gate.pass && !options.force) return { promoted: false, alias: options.to, version, from: current, forced: false, gate, history: null };
    }
    try {
      const entry = await moveAlias(db.sql, {
        alias: options.to,
        to: version,
        action: 'promote',
        forced: Boolean(options.force) && gate?.pass !== true,
        reason: options.reason ?? null,
        gate,
        expectFrom: current,
      });
      return { promoted: true, alias: options.to, version, from: current, forced: entry.forced, gate, history: entry };
    } catch (err) {
      if (err instanceof AliasMoved) throw new UsageError(`${err.message}; nothing changed`, 'run the promotion again against the new champion', err);
      throw err;
    }
  });
}

async function runGate(candidate: Artifact, champion: Artifact | null, options: PromoteOptions): Promise<NonNullable<PromoteResult['gate']>> {
  const rules: GateRules = {
    minSamples: options.minSamples ?? GATE_DEFAULTS.minSamples,
    logLossMargin: options.logLossMargin ?? GATE_DEFAULTS.logLossMargin,
    maxEce: options.maxEce ?? GATE_DEFAULTS.maxEce,
  };
  if (champion && champion.horizonSec !== candidate.horizonSec) {
    throw new UsageError(`the candidate predicts H = ${candidate.horizonSec} s, the champion H = ${champion.horizonSec} s`, 'compare models of one horizon (or --force --reason)');
  }
  const incumbentParams: ModelParams = champion?.params ?? unfittedBaseline();
  let work: string | null = null;
  try {
    let file = options.dataset;
    if (file === undefined) {
      if (!options.exportDataset) throw new UsageError('--last needs the exporter', 'export first and pass --dataset');
      work = mkdtempSync(join(tmpdir(), 'cqt-gate-'));
      file = join(work, 'gate.parquet');
      await options.exportDataset({ out: file, lastSec: options.lastSec!, horizonSec: candidate.horizonSec, databaseUrl: options.databaseUrl, dataDir: options.dataDir, env: options.env });
    }
    // Rows neither model was trained on: t0 after the last label either training run saw.
    const cutoffMs = Math.max(Date.parse(candidate.training.labelsToTs), champion ? Date.parse(champion.training.labelsToTs) : -Infinity);
    const read = async (params: ModelParams) => {
      const { data } = await readDatasetFile(file!, { features: modelFeatures(params), horizonSec: candidate.horizonSec });
      const keep: number[] = [];
      for (let i = 0; i < data.rows; i++) if (data.t0Ms[i] > cutoffMs) keep.push(i);
      return subset(data, keep);
    };
    const rowsC = await read(candidate.params);
    const rowsI = await read(incumbentParams);
    const result = evaluateGate(rowsC.y, predictProba(candidate.params, rowsC), predictProba(incumbentParams, rowsI), rules);
    return {
      ...result,
      rules,
      against: champion ? `champion ${champion.kind} ${champion.sha256.slice(0, 12)}` : 'unfitted baseline (no champion yet)',
      rowsFrom: rowsC.rows ? new Date(rowsC.t0Ms[0]).toISOString() : null,
    };
  } catch (err) {
    if (err instanceof DatasetError) throw new UsageError(err.message, err.hint, err);
    throw err;
  } finally {
    if (work) rmSync(work, { recursive: true, force: true });
  }
}

export function promoteOutput(r: PromoteResult): CommandOutput {
  return {
    exitCode: r.promoted ? 0 : 1,
    json: r,
    human: () => {
      const lines: string[] = [];
      if (r.gate) {
        lines.push(`gate: version ${r.version} vs ${r.gate.against} on ${r.gate.rows} matured rows${r.gate.rowsFrom ? ` from ${r.gate.rowsFrom}` : ''}`);
        for (const c of r.gate.checks) lines.push(`  ${c.pass ? 'pass' : 'FAIL'}  ${c.name.padEnd(11)} ${c.detail}`);
      }
      if (!r.promoted) lines.push(`not promoted: the gate failed; ${r.alias} stays ${r.from ?? 'unset'} (override: --force --reason "…")`);
      else lines.push(`${r.alias}: ${r.from ?? 'none'} → ${r.version}${r.forced ? ' (FORCED past the gate)' : ''}${r.history?.reason ? ` — ${r.history.reason}` : ''}`);
      return lines.join('\n');
    },
  };
}

export interface RollbackResult {
  alias: Alias;
  from: number;
  to: number;
  history: HistoryRow;
}

export async function rollback(options: StoreOptions & { reason?: string } = {}): Promise<RollbackResult> {
  return withDb(options, async (db) => {
    const current = (await aliases(db.sql)).champion;
    if (current === undefined) throw new UsageError('there is no champion to roll back', 'cqt model promote V --to champion');
    const target = rollbackTarget(await history(db.sql, 'champion'), current);
    if (target === null) throw new UsageError(`champion ${current} has no predecessor to roll back to`, 'cqt model history shows the alias history');
    const entry = await moveAlias(db.sql, { alias: 'champion', to: target, action: 'rollback', forced: false, reason: options.reason ?? null, gate: null, expectFrom: current });
    return { alias: 'champion', from: current, to: target, history: entry };
  });
}

export function rollbackOutput(r: RollbackResult): CommandOutput {
  return { exitCode: 0, json: r, human: () => `champion rolled back: ${r.from} → ${r.to}${r.history.reason ? ` — ${r.history.reason}` : ''}` };
}

// ---- compare ----

export interface CompareOptions extends StoreOptions {
  windowSec?: number;
  /** Labels for the window: an export file; without it the window is exported now. */
  dataset?: string;
  asOfMs?: number;
  exportDataset?: ExportDataset;
}

export async function compare(options: CompareOptions): Promise<CompareResult> {
  const windowSec = options.windowSec ?? 86_400;
  const asOfMs = options.asOfMs ?? Date.now();
  return withDb(options, async (db) => {
    let work: string | null = null;
    try {
      let file = options.dataset;
      if (file === undefined) {
        if (!options.exportDataset) throw new UsageError('compare needs labels: --dataset FILE', 'cqt export --out recent.parquet --last 24h');
        const champion = (await aliases(db.sql)).champion;
        const horizonSec = champion === undefined ? 120 : (await requireArtifact(db, champion)).horizonSec;
        work = mkdtempSync(join(tmpdir(), 'cqt-compare-'));
        file = join(work, 'labels.parquet');
        await options.exportDataset({ out: file, lastSec: windowSec, horizonSec, databaseUrl: options.databaseUrl, dataDir: options.dataDir, env: options.env });
      }
      return await compareRoles(db, file, windowSec, asOfMs);
    } finally {
      if (work) rmSync(work, { recursive: true, force: true });
    }
  });
}

export { compareOutput, type CompareResult };
/** For the binary's training job (apps/train registers what it trained through it; decision 150). */
export { registerVersion } from './registry.js';
