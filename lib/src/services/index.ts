export * from './ports.js';
export * from './supervisor.js';
export * from './victoria-metrics.js';
export * from './rabbitmq.js';
export * from './monitoring.js';
export * from './rabbitmq-cluster.js';
