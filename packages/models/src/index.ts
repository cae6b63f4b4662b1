// @cqt/models — the maths of learned models, pure TypeScript: datasets as typed arrays, L-BFGS,
// multinomial logistic regression, the baseline as a model kind, purged walk-forward folds,
// scores, artifacts and the promotion gate; plus the reader of `cqt export` datasets (DuckDB,
// loaded only when a file is read).
export * from './dataset.js';
export * from './lbfgs.js';
export * from './logreg.js';
export * from './metrics.js';
export * from './cv.js';
export * from './classifier.js';
export * from './artifact.js';
export * from './gate.js';
export * from './datasetFile.js';
