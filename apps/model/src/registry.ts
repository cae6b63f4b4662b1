// The model registry in the store: versions (sealed artifacts), aliases (champion, shadow) and
// the append-only alias history. Every change of an alias and its history row are written in one
// transaction, under a lock on the history table, so two promotions cannot interleave.
import type { Db } from '@cqt/db';
import type { Artifact } from '@cqt/models';

type Sql = Db['sql'];

export const ALIASES = ['champion', 'shadow'] as const;
export type Alias = (typeof ALIASES)[number];

export interface VersionRow {
  version: number;
  createdAt: string;
  kind: string;
  sha256: string;
  horizonSec: number;
  schemaHash: string;
  trainFromTs: string;
  trainToTs: string;
  labelsToTs: string;
  metrics: Artifact['validation']['overall'];
  codeVersion: string;
  source: string | null;
  aliases: Alias[];
}

export interface HistoryRow {
  id: number;
  ts: string;
  alias: Alias;
  fromVersion: number | null;
  toVersion: number;
  action: 'promote' | 'rollback';
  forced: boolean;
  reason: string | null;
  gate: unknown;
}

const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : String(d));
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** Registers an artifact; the same artifact (sha256) registered again returns its version. */
export async function registerVersion(sql: Sql, artifact: Artifact, source: string | null): Promise<{ version: number; created: boolean }> {
  const rows = await sql<{ id: string }[]>`
    insert into model_versions (kind, sha256, horizon_sec, schema_hash, features, train_from_ts, train_to_ts, labels_to_ts, metrics, code_version, source, artifact)
    values (${artifact.kind}, ${artifact.sha256}, ${artifact.horizonSec}, ${artifact.schemaHash}, ${sql.json(artifact.features)},
      ${new Date(artifact.training.fromTs)}, ${new Date(artifact.training.toTs)}, ${new Date(artifact.training.labelsToTs)},
      ${sql.json(artifact.validation.overall as never)}, ${artifact.codeVersion}, ${source}, ${sql.json(artifact as never)})
    on conflict (sha256) do nothing
    returning id`;
  if (rows.length) return { version: Number(rows[0].id), created: true };
  const [existing] = await sql<{ id: string }[]>`select id from model_versions where sha256 = ${artifact.sha256}`;
  return { version: Number(existing.id), created: false };
}

export async function aliases(sql: Sql): Promise<Partial<Record<Alias, number>>> {
  const rows = await sql<{ alias: Alias; version: string }[]>`select alias, version from model_aliases`;
  return Object.fromEntries(rows.map((r) => [r.alias, Number(r.version)]));
}

export async function listVersions(sql: Sql): Promise<VersionRow[]> {
  const rows = await sql`
    select id, created_at, kind, sha256, horizon_sec, schema_hash, train_from_ts, train_to_ts, labels_to_ts, metrics, code_version, source
    from model_versions order by id`;
  const byVersion = await aliases(sql);
  return rows.map((r) => {
    const version = Number(r.id);
    return {
      version,
      createdAt: iso(r.created_at),
      kind: r.kind,
      sha256: r.sha256,
      horizonSec: r.horizon_sec,
      schemaHash: r.schema_hash,
      trainFromTs: iso(r.train_from_ts),
      trainToTs: iso(r.train_to_ts),
      labelsToTs: iso(r.labels_to_ts),
      metrics: r.metrics,
      codeVersion: r.code_version,
      source: r.source,
      aliases: ALIASES.filter((a) => byVersion[a] === version),
    };
  });
}

/** The stored artifact of a version, or null when there is none. */
export async function artifactOf(sql: Sql, version: number): Promise<Artifact | null> {
  const [row] = await sql<{ artifact: Artifact }[]>`select artifact from model_versions where id = ${version}`;
  return row ? row.artifact : null;
}

export async function history(sql: Sql, alias?: Alias): Promise<HistoryRow[]> {
  const rows = alias
    ? await sql`select * from model_alias_history where alias = ${alias} order by id`
    : await sql`select * from model_alias_history order by id`;
  return rows.map((r) => ({
    id: Number(r.id),
    ts: iso(r.ts),
    alias: r.alias,
    fromVersion: num(r.from_version),
    toVersion: Number(r.to_version),
    action: r.action,
    forced: r.forced,
    reason: r.reason,
    gate: r.gate,
  }));
}

export interface AliasChange {
  alias: Alias;
  to: number;
  action: HistoryRow['action'];
  forced: boolean;
  reason: string | null;
  gate: unknown;
  /** The alias must still point here (what the gate was evaluated against), else nothing changes. */
  expectFrom: number | null;
}

/** Points an alias at a version and appends the history row, in one transaction. */
export async function moveAlias(sql: Sql, change: AliasChange): Promise<HistoryRow> {
  return sql.begin(async (tx) => {
    await tx`lock table model_alias_history in exclusive mode`;
    const [current] = await tx<{ version: string }[]>`select version from model_aliases where alias = ${change.alias}`;
    const from = current ? Number(current.version) : null;
    if (from !== change.expectFrom) throw new AliasMoved(change.alias, change.expectFrom, from);
    await tx`
      insert into model_aliases (alias, version, updated_at) values (${change.alias}, ${change.to}, now())
      on conflict (alias) do update set version = excluded.version, updated_at = excluded.updated_at`;
    const [row] = await tx`
      insert into model_alias_history (alias, from_version, to_version, action, forced, reason, gate)
      values (${change.alias}, ${from}, ${change.to}, ${change.action}, ${change.forced}, ${change.reason}, ${change.gate === null ? null : tx.json(change.gate as never)})
      returning *`;
    return { id: Number(row.id), ts: iso(row.ts), alias: row.alias, fromVersion: num(row.from_version), toVersion: Number(row.to_version), action: row.action, forced: row.forced, reason: row.reason, gate: row.gate };
  }) as Promise<HistoryRow>;
}

/** Someone moved the alias between reading it and changing it. */
export class AliasMoved extends Error {
  constructor(
    readonly alias: Alias,
    readonly expected: number | null,
    readonly actual: number | null,
  ) {
    super(`${alias} moved from ${expected ?? 'none'} to ${actual ?? 'none'} meanwhile`);
  }
}

/**
 * Where a rollback of `alias` goes: the version the current one replaced, following promotions
 * only (a rollback entry is skipped, so rolling back twice walks two steps back, not back and forth).
 */
export function rollbackTarget(entries: readonly HistoryRow[], current: number): number | null {
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i];
    if (e.action === 'promote' && e.toVersion === current) return e.fromVersion;
  }
  return null;
}
