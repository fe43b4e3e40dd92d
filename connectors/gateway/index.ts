export { upstreamConnector, createUpstreamConnector } from './upstreamConnector.js';
export {
  DATA_NAME_PATTERN,
  DEFAULT_UPSTREAM_PAGE_SIZE,
  gatewayBindingProblems,
  gatewayBindingSchema,
  gatewayConfigProblems,
  gatewayConfigSchema,
  type GatewayBinding,
  type GatewayConfig,
} from './gatewaySchemas.js';
export { upstreamWhere, type UpstreamWhere } from './upstreamWhere.js';
