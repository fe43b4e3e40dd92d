export * from './Connector.js';
export * from './registry.js';
export * from './guardConnector.js';
export * from './resilienceSchema.js';
export * from './postgres/index.js';
export { upstreamConnector } from './gateway/index.js';
export { httpConnector } from './http/index.js';
