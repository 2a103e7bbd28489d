export * from './reading-batch.js';
export * from './defaults.js';
export * from './config.js';
export * from './fleet-manifest.js';
