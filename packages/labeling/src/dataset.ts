// The columns of a labelled dataset — `cqt export`'s rows — declared once, so the exporter that
// writes them and `cqt check dataset` that verifies a file cannot disagree. Types are DuckDB's
// (the engine that writes and reads the Parquet files).

export type DatasetType = 'DOUBLE' | 'INTEGER' | 'VARCHAR' | 'TIMESTAMPTZ';

export interface DatasetColumn {
  name: string;
  type: DatasetType;
}

/** A feature_snapshots column as the store describes it (its SQL type). */
export interface StoreColumn {
  name: string;
  sqlType: string;
}

const TYPE_OF_SQL: Record<string, DatasetType> = {
  'double precision': 'DOUBLE',
  integer: 'INTEGER',
  text: 'VARCHAR',
  jsonb: 'VARCHAR',
  'timestamp (3) with time zone': 'TIMESTAMPTZ',
};

/** From the predictions row of the export's horizon. */
export const PREDICTION_COLUMNS: readonly DatasetColumn[] = [
  { name: 'k_vol_eff', type: 'DOUBLE' },
  { name: 'r_min_eff', type: 'DOUBLE' },
  { name: 'cost_roundtrip_est', type: 'DOUBLE' },
];

export const LABEL_COLUMNS: readonly DatasetColumn[] = [
  { name: 'horizon_sec', type: 'INTEGER' },
  { name: 'r_t_used', type: 'DOUBLE' },
  { name: 'r_t_source', type: 'VARCHAR' },
  { name: 'r_t_horizon_sec', type: 'INTEGER' },
  { name: 'label', type: 'VARCHAR' },
  { name: 'label_status', type: 'VARCHAR' },
  { name: 'label_ts', type: 'TIMESTAMPTZ' },
  { name: 'touch_ts', type: 'TIMESTAMPTZ' },
  { name: 'ret_h', type: 'DOUBLE' },
];

/** A futures metric's raw columns: its value and the ts of the point used. */
const metric = (column: string): DatasetColumn[] => [
  { name: column, type: 'DOUBLE' },
  { name: `${column}_ts`, type: 'TIMESTAMPTZ' },
];

/**
 * The columns `--with-raw` adds, per raw source (market_1s, binance_mark_price_1s, and each
 * binance_futures_metrics metric). Every TIMESTAMPTZ among them is the exchange ts of the row used.
 */
export const RAW_COLUMNS = {
  market_1s: [
    { name: 'raw_bar_ts', type: 'TIMESTAMPTZ' },
    { name: 'raw_close', type: 'DOUBLE' },
    { name: 'raw_mid', type: 'DOUBLE' },
    { name: 'raw_volume', type: 'DOUBLE' },
    { name: 'raw_spread_bps', type: 'DOUBLE' },
  ],
  binance_mark_price_1s: [
    { name: 'raw_mark_price', type: 'DOUBLE' },
    { name: 'raw_index_price', type: 'DOUBLE' },
    { name: 'raw_funding_rate', type: 'DOUBLE' },
    { name: 'raw_mark_ts', type: 'TIMESTAMPTZ' },
  ],
  open_interest: metric('raw_open_interest'),
  open_interest_value: metric('raw_oi_value'),
  global_ls_ratio: metric('raw_global_ls_ratio'),
  top_ls_ratio: metric('raw_top_ls_ratio'),
  taker_ls_ratio: metric('raw_taker_ls_ratio'),
  basis: metric('raw_basis'),
} satisfies Record<string, DatasetColumn[]>;

/** feature_snapshots columns as dataset columns (created_at is bookkeeping, not a feature). */
export function featureColumns(store: readonly StoreColumn[]): DatasetColumn[] {
  return store
    .filter((c) => c.name !== 'created_at')
    .map((c) => {
      const type = TYPE_OF_SQL[c.sqlType];
      if (!type) throw new Error(`feature_snapshots.${c.name}: no dataset type for ${c.sqlType}`);
      return { name: c.name, type };
    });
}

/** Every column of a dataset in file order: features, prediction fields, label, then raw columns if any. */
export function datasetColumns(store: readonly StoreColumn[], withRaw: boolean): DatasetColumn[] {
  return [...featureColumns(store), ...PREDICTION_COLUMNS, ...LABEL_COLUMNS, ...(withRaw ? Object.values(RAW_COLUMNS).flat() : [])];
}
