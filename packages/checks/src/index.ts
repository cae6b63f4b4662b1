export * from './report.js';
export * from './render.js';
export * from './options.js';
export * from './probe.js';
export * from './command.js';
export * from './sources.js';
export * from './forceOrderStream.js';
export * from './status.js';
