/**
 * The one error catalog of Meridian. Every error a client can see has a code
 * from this table; docs/errors.md documents each row and test/common/errors.test.ts
 * keeps the two in step.
 */

/** One row of the catalog: what went wrong (a template) and what the caller can do. */
interface ErrorSpec {
  /** HTTP status used when the error ends a whole HTTP request (health, export, auth). */
  readonly status: number;
  /** Message template; `{name}` placeholders are filled from the params. */
  readonly message: string;
  /** What the caller can do about it. */
  readonly action: string;
}

const catalog = {
  UNAUTHENTICATED: {
    status: 401,
    message: 'No valid credentials: {why}',
    action: 'Send "Authorization: Bearer <api key>" with a key issued by a catalog administrator.',
  },
  FORBIDDEN: {
    status: 403,
    message: '{operation} needs one of the roles {roles}',
    action: 'Use a key that holds one of those roles, or ask a catalog administrator for one.',
  },
  APPLICATION_REQUIRED: {
    status: 403,
    message: 'Resource {resource} is shared on condition ({condition}) and your department holds no grant for it',
    action: 'Apply for access with applyForAccess(input: {resource, items, purpose, legalBasis, contact}).',
  },
  ITEMS_NOT_GRANTED: {
    status: 403,
    message: 'Your department may not read these items of {resource}: {items}',
    action: 'Ask only for readable items (explainAccess lists them), or apply for the others with applyForAccess.',
  },
  GRANT_EXPIRED: {
    status: 403,
    message: 'Your grant {grantId} for {resource} ended at {until}',
    action: 'Apply again with applyForAccess; the provider decides on a new grant.',
  },
  QUOTA_EXCEEDED: {
    status: 429,
    message: 'Quota {quota} of grant {grantId} is used up',
    action: 'Retry after the time given in extensions.retryAfter, or ask the provider for a larger quota.',
  },
  NOT_SHARED: {
    status: 403,
    message: 'Resource {resource} is not shared (不予共享). Basis: {basis}',
    action: 'This resource is never served through the exchange; contact the provider department about the basis.',
  },
  LEDGER_UNAVAILABLE: {
    status: 503,
    message: 'The exchange could not be recorded in the exchange log, so no data was returned',
    action: 'Retry later; operators should check /health/ready and the database.',
  },
  CONNECTOR_TIMEOUT: {
    status: 504,
    message: 'The source of {resource} did not answer within {timeoutMs} ms',
    action: 'Retry later or ask for fewer rows; the provider department is told through the exchange log.',
  },
  CONNECTOR_UNAVAILABLE: {
    status: 503,
    message: 'The source of {resource} is unavailable',
    action: 'Retry later; a catalog administrator can see the connector state in Query.connectors.',
  },
  CONNECTOR_BAD_RESPONSE: {
    status: 502,
    message: 'The source of {resource} answered in an unexpected shape at {path}',
    action: 'Report it to the provider department; the exchange log holds the exchangeId.',
  },
  QUERY_TOO_COMPLEX: {
    status: 400,
    message: 'The query exceeds the {limit} limit: {actual} > {max}',
    action: 'Split the query, ask for fewer rows per page, or nest less deeply.',
  },
  BAD_USER_INPUT: {
    status: 400,
    message: '{what}',
    action: 'Correct the argument as the message says and send the query again.',
  },
  VALIDATION_FAILED: {
    status: 400,
    message: '{what} is invalid: {count} problem(s), listed in extensions.problems',
    action: 'Fix every listed problem (path: what was expected) and submit the whole definition again; nothing was saved.',
  },
  NOT_FOUND: {
    status: 404,
    message: '{what} {id} does not exist',
    action: 'Check the identifier; catalog(filter) and departments list what exists.',
  },
  CONFLICT: {
    status: 409,
    message: '{what}',
    action: 'Read the current state (resource, connectors, departments) and act on it.',
  },
  INTERNAL: {
    status: 500,
    message: 'Internal error {errorId}',
    action: 'Retry; if it persists, give the errorId to the operators, whose log holds the details.',
  },
  GRAPHQL_PARSE_FAILED: {
    status: 400,
    message: 'The query is not valid GraphQL syntax',
    action: 'Fix the syntax at the location given in the error.',
  },
  GRAPHQL_VALIDATION_FAILED: {
    status: 400,
    message: 'The query does not match the schema',
    action: 'Use only the fields, arguments, filterable items and order fields the schema offers (introspect it or read the catalog).',
  },
  SHUTTING_DOWN: {
    status: 503,
    message: 'The gateway is shutting down and takes no new requests',
    action: 'Retry; another instance or the restarted gateway will answer.',
  },
  CONFIG_INVALID: {
    status: 500,
    message: 'Configuration is invalid: {problems}',
    action: 'Fix the listed settings in the environment or the config file; the gateway does not start until then.',
  },
} as const satisfies Record<string, ErrorSpec>;

/** Every code a client can receive. */
export type ErrorCode = keyof typeof catalog;

/** The codes, in catalog order. */
export const errorCodes = Object.freeze(Object.keys(catalog) as ErrorCode[]);

/** One problem found by validation: where, and what was expected there. */
export interface Problem {
  readonly path: string;
  readonly message: string;
}

/** Extra, client-visible facts carried in GraphQL `extensions`. */
export type ErrorExtensions = Readonly<Record<string, unknown>>;

/** An error whose code, message and advice come from the catalog. */
export class MeridianError extends Error {
  override readonly name = 'MeridianError';
  readonly code: ErrorCode;
  readonly action: string;
  readonly status: number;
  readonly extensions: ErrorExtensions;

  constructor(code: ErrorCode, params: Readonly<Record<string, unknown>> = {}, extensions: ErrorExtensions = {}) {
    const spec: ErrorSpec = catalog[code];
    super(fillTemplate(spec.message, params));
    this.code = code;
    this.action = spec.action;
    this.status = spec.status;
    this.extensions = extensions;
  }
}

/** Creates a catalog error; `params` fill the message, `extensions` travel to the client. */
export function meridianError(
  code: ErrorCode,
  params: Readonly<Record<string, unknown>> = {},
  extensions: ErrorExtensions = {},
): MeridianError {
  return new MeridianError(code, params, extensions);
}

/** The error with `detail` after its catalog message, for causes the template has no slot for. */
export function withDetail(error: MeridianError, detail: string): MeridianError {
  error.message = `${error.message}: ${detail}`;
  return error;
}

/**
 * An error another Meridian (an upstream gateway) answered with: the same
 * catalog code, its message kept as the upstream worded it.
 */
export function upstreamError(code: ErrorCode, message: string, extensions: ErrorExtensions = {}): MeridianError {
  const error = new MeridianError(code, {}, extensions);
  Object.defineProperty(error, 'message', { value: `Upstream gateway: ${message}`, enumerable: false, writable: true, configurable: true });
  return error;
}

/** The catalog row of a code, for docs and tests. */
export function describeError(code: ErrorCode): ErrorSpec {
  return catalog[code];
}

/** True when `value` is a MeridianError (also across module copies). */
export function isMeridianError(value: unknown): value is MeridianError {
  return value instanceof MeridianError;
}

/** Shorthand for the common input error. */
export function badInput(what: string, extensions: ErrorExtensions = {}): MeridianError {
  return new MeridianError('BAD_USER_INPUT', { what }, extensions);
}

/** Shorthand for a validation failure listing every problem. */
export function validationFailed(what: string, problems: readonly Problem[]): MeridianError {
  return new MeridianError('VALIDATION_FAILED', { what, count: problems.length }, { problems });
}

function fillTemplate(template: string, params: Readonly<Record<string, unknown>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined || value === null) return whole;
    return Array.isArray(value) ? value.join(', ') : String(value);
  });
}
