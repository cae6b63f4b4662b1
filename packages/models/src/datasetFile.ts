// Reads a dataset `cqt export` wrote (one .parquet file or a --partition-by folder) through DuckDB,
// the engine that wrote it, into a Dataset: labelled rows only (label not null), sorted by t0.
// DuckDB is imported when a file is read, so the maths in this package load without it.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { classIndex, type Dataset } from './dataset.js';

/**
 * The features logreg reads by default: the snapshot's stationary columns (returns, volatility,
 * flow, book, funding, basis, open-interest change, long/short ratios, liquidations), the barrier
 * (r_t_used, cost) and the baseline's own probabilities. Price levels (mid_krw, bin_mark_price,
 * bin_index_price, oi_value) are left out: they do not transfer across time.
 */
export const DEFAULT_FEATURES = [
  'spread_bps', 'ret_5s', 'ret_30s', 'ret_60s', 'ret_300s', 'rv_30s', 'rv_60s', 'rv_300s',
  'trade_count_60s', 'volume_60s', 'buy_volume_60s', 'sell_volume_60s', 'trade_imbalance_60s', 'book_imbalance',
  'bin_funding_rate', 'basis', 'oi_value_chg_5m', 'global_ls_ratio', 'top_ls_ratio', 'taker_ls_ratio',
  'liq_5m_notional', 'liq_5m_count', 'sigma', 'r_t_used', 'cost_roundtrip_est', 'p_up', 'p_down',
] as const;

/** Columns every dataset must have besides the features: key, label and what the baseline reads. */
export const REQUIRED_COLUMNS = ['ts', 'label', 'label_ts', 'horizon_sec', 'sigma', 'r_t_used', 'cost_roundtrip_est', 'ret_h'] as const;

/** The file cannot be used as a training dataset (the CLI: exit 2, this message). */
export class DatasetError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

export interface ReadDatasetOptions {
  features?: readonly string[];
  /** Keep rows of this horizon only; required when the file holds several. */
  horizonSec?: number;
}

export interface DatasetFile {
  data: Dataset;
  path: string;
  horizonSec: number;
  /** Rows in the file without a label (exported with --keep-unlabeled), left out. */
  unlabeled: number;
}

const HINT = 'give a dataset written by cqt export (check it with cqt check dataset FILE)';

export async function readDatasetFile(file: string, options: ReadDatasetOptions = {}): Promise<DatasetFile> {
  const path = resolve(file);
  if (!existsSync(path)) throw new DatasetError(`no such dataset: ${file}`, HINT);
  const features = [...(options.features ?? DEFAULT_FEATURES)];
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await instance.connect();
  const lit = (text: string) => `'${text.replace(/'/g, "''")}'`;
  const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const read = async (sql: string) => (await conn.runAndReadAll(sql)).getColumnsObjectJS();
  try {
    let described: string[];
    try {
      await conn.run(`SET TimeZone = 'UTC'`);
      const source = statSync(path).isDirectory() ? `read_parquet(${lit(join(path, '**', '*.parquet'))}, hive_partitioning = true)` : `read_parquet(${lit(path)})`;
      await conn.run(`CREATE VIEW dataset AS SELECT * FROM ${source}`);
      described = (await read('DESCRIBE dataset')).column_name.map(String);
    } catch (err) {
      throw new DatasetError(`cannot read ${file} as Parquet: ${String((err as Error).message).split('\n')[0]}`, HINT);
    }
    const missing = [...REQUIRED_COLUMNS, ...features].filter((c, i, all) => all.indexOf(c) === i && !described.includes(c));
    if (missing.length) throw new DatasetError(`${file} lacks column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, HINT);
    const horizons = (await read(`SELECT DISTINCT horizon_sec FROM dataset WHERE label IS NOT NULL ORDER BY 1`)).horizon_sec.map(Number);
    let horizonSec = options.horizonSec;
    if (horizonSec === undefined) {
      if (horizons.length > 1) throw new DatasetError(`${file} holds several horizons (${horizons.join(', ')} s)`, 'choose one with --horizon');
      horizonSec = horizons[0];
    }
    const unlabeled = Number((await read(`SELECT count(*) AS n FROM dataset WHERE label IS NULL`)).n[0]);
    if (horizonSec === undefined || !horizons.includes(horizonSec)) {
      throw new DatasetError(
        horizons.length ? `${file} has no labelled rows of horizon ${horizonSec} s (it has ${horizons.join(', ')} s)` : `${file} has no labelled rows`,
        horizons.length ? `use --horizon ${horizons[0]}s` : 'export a range whose horizon has passed',
      );
    }
    const num = (c: string) => `CAST(${ident(c)} AS DOUBLE) AS ${ident(c)}`;
    const cols = await read(
      `SELECT epoch_ms(ts)::DOUBLE AS t0_ms, epoch_ms(label_ts)::DOUBLE AS label_ts_ms, label, ${num('horizon_sec')}, ${num('sigma')}, ${num('r_t_used')}, ${num('cost_roundtrip_est')}, ${num('ret_h')}
       ${features.length ? ',' : ''} ${features.map((f, j) => `CAST(${ident(f)} AS DOUBLE) AS f${j}`).join(', ')}
       FROM dataset WHERE label IS NOT NULL AND horizon_sec = ${horizonSec} ORDER BY ts`,
    );
    const rows = cols.t0_ms.length;
    const d = features.length;
    const x = new Float64Array(rows * d);
    for (let j = 0; j < d; j++) {
      const column = cols[`f${j}`];
      for (let i = 0; i < rows; i++) x[i * d + j] = column[i] === null ? NaN : Number(column[i]);
    }
    const y = new Uint8Array(rows);
    for (let i = 0; i < rows; i++) {
      try {
        y[i] = classIndex(String(cols.label[i]));
      } catch (err) {
        throw new DatasetError(`${file} row ${i + 1}: ${(err as Error).message}`, HINT);
      }
    }
    const f64 = (name: string) => Float64Array.from(cols[name], (v) => (v === null ? NaN : Number(v)));
    const data: Dataset = {
      rows,
      featureNames: features,
      x,
      y,
      t0Ms: f64('t0_ms'),
      labelTsMs: f64('label_ts_ms'),
      sigma: f64('sigma'),
      halfWidth: f64('r_t_used'),
      horizonSec: f64('horizon_sec'),
      costRoundtrip: f64('cost_roundtrip_est'),
      horizonReturn: f64('ret_h'),
    };
    for (let i = 0; i < rows; i++) {
      if (Number.isNaN(data.t0Ms[i]) || Number.isNaN(data.labelTsMs[i])) throw new DatasetError(`${file} row ${i + 1} has no ts or label_ts`, HINT);
    }
    return { data, path, horizonSec, unlabeled };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
