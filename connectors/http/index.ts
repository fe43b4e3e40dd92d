export { httpConnector, createHttpConnector } from './httpConnector.js';
export {
  BASE_URL_PATTERN,
  ENDPOINT_PATH_PATTERN,
  PARAM_PATTERN,
  httpBindingProblems,
  httpBindingSchema,
  httpConfigProblems,
  httpConfigSchema,
  type BindingItem,
  type HttpAuth,
  type HttpBinding,
  type HttpConfig,
  type HttpFilter,
  type HttpPaging,
} from './httpSchemas.js';
