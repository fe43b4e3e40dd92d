export * from './Connector.js';
export * from './registry.js';
export * from './postgres/index.js';
