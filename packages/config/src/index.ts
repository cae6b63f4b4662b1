export * from './errors.js';
export * from './secrets.js';
export * from './time.js';
export * from './timers.js';
export * from './settings.js';
export * from './load.js';
export * from './cli.js';
export * from './render.js';
