/**
 * What an HTTP/JSON connector is configured with (a department API's base
 * URL, its credentials by secret name, retries and limits) and how a resource
 * binds to its endpoints (paths, filter and paging parameters, where rows and
 * fields sit in the JSON), as JSON Schemas, plus the checks a schema cannot
 * express: every item has a field, filters fit their items, the base URL's
 * host is on the gateway's allow-list and the secret is configured.
 */
import type { BindingItem } from '../../catalog/SourceKinds.js';
import { operatorsFor, type ConditionOp } from '../../catalog/conditions.js';
import type { ConnectorSettings } from '../../common/config.js';
import { isAllowedHost } from '../allowList.js';
import type { Problem } from '../../common/errors.js';
import { joinPath } from '../../common/validation.js';
import { resilienceSchema, type ResilienceOverrides } from '../resilienceSchema.js';
import { JSON_POINTER_PATTERN } from './jsonPointer.js';

/** One path segment: unreserved characters only, never `.` or `..`. */
const SEGMENT = "(?!\\.\\.?(/|$))[A-Za-z0-9._~-]+";

/** An endpoint path relative to the base URL: `/persons`, `/v1/persons/by-ids`; no scheme, no `..`, no `//`. */
export const ENDPOINT_PATH_PATTERN = `^(/${SEGMENT})+/?$`;

/** The base URL: http(s), a plain host name or IPv4 address, an optional port and path; no credentials, query or fragment. */
export const BASE_URL_PATTERN = `^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/${SEGMENT})*/?$`;

/** A query parameter name as a binding may use it. */
export const PARAM_PATTERN = '^[A-Za-z0-9_.~\\[\\]-]{1,100}$';

/** An HTTP header name (an RFC 9110 token). */
const HEADER_NAME_PATTERN = "^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$";

/** Headers the gateway sets itself, or that would carry credentials in plain config. */
const RESERVED_HEADERS = new Set([
  'accept',
  'authorization',
  'proxy-authorization',
  'cookie',
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'x-request-id',
]);

/** How the gateway authenticates to the department API; the value is a named secret of the gateway's configuration. */
export type HttpAuth =
  | { readonly kind: 'bearer'; readonly secret: string }
  | { readonly kind: 'header'; readonly header: string; readonly secret: string };

/** The connector's config, validated before use. */
export interface HttpConfig {
  readonly baseUrl: string;
  readonly auth?: HttpAuth;
  /** Static, non-secret headers sent with every call. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Retries of a call after a connection error or a 5xx answer (default: connectors.httpRetries). */
  readonly retries?: number;
  /** Rows one request may read from the API (default: connectors.maxScanRows). */
  readonly maxScanRows?: number;
  /** Longest one HTTP call may take (default: connectors.timeoutMs). */
  readonly requestTimeoutMs?: number;
  readonly resilience?: ResilienceOverrides;
}

/** Query parameters of one filterable item, by operator. */
export interface HttpFilter {
  readonly eq?: string;
  readonly in?: { readonly param: string; readonly separator?: string };
  readonly prefix?: string;
  readonly gt?: string;
  readonly gte?: string;
  readonly lt?: string;
  readonly lte?: string;
}

/** How the list endpoint pages. */
export type HttpPaging =
  | { readonly kind: 'offset'; readonly limitParam: string; readonly offsetParam: string; readonly pageSize: number }
  | { readonly kind: 'page'; readonly pageParam: string; readonly sizeParam: string; readonly pageSize: number; readonly firstPage?: number }
  | { readonly kind: 'none' };

/** A resource's binding to the endpoints of a department API. */
export interface HttpBinding {
  readonly list: { readonly path: string; readonly query?: Readonly<Record<string, string>> };
  /** The endpoint that returns the rows of given keys, used for related-resource look-ups. */
  readonly byKeys?: {
    readonly path: string;
    readonly query?: Readonly<Record<string, string>>;
    readonly param: string;
    readonly item: string;
    readonly separator?: string;
    readonly maxKeys?: number;
    /** Where its rows sit, when not where the list endpoint's do. */
    readonly rows?: string;
  };
  readonly filters?: Readonly<Record<string, HttpFilter>>;
  readonly paging?: HttpPaging;
  /** JSON Pointer to the array of rows in a response. */
  readonly rows: string;
  /** Item name to the JSON Pointer of its value within a row. */
  readonly fields: Readonly<Record<string, string>>;
}

/** An item as binding checks see it; `filterable` and `key` are checked when the caller gives them. */
export type { BindingItem } from '../../catalog/SourceKinds.js';

/** The separator of `in` values and keys unless a binding names its own. */
export const DEFAULT_SEPARATOR = ',';

/** Keys per by-keys call unless a binding names its own. */
export const DEFAULT_MAX_KEYS = 100;

const param = { type: 'string', pattern: PARAM_PATTERN } as const;
const endpointPath = { type: 'string', pattern: ENDPOINT_PATH_PATTERN, maxLength: 500 } as const;
const pointer = { type: 'string', pattern: JSON_POINTER_PATTERN, maxLength: 500 } as const;
const separator = { type: 'string', minLength: 1, maxLength: 8 } as const;
const pageSize = { type: 'integer', minimum: 1, maximum: 10000 } as const;
const staticQuery = {
  type: 'object',
  propertyNames: { pattern: PARAM_PATTERN },
  additionalProperties: { type: 'string', maxLength: 1000 },
} as const;
const secretName = { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]*$' } as const;
const headerName = { type: 'string', pattern: HEADER_NAME_PATTERN } as const;

/** JSON Schema of an HTTP connector's config. */
export const httpConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['baseUrl'],
  properties: {
    baseUrl: { type: 'string', pattern: BASE_URL_PATTERN, maxLength: 2000 },
    auth: {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'secret'],
      properties: {
        kind: { enum: ['bearer', 'header'] },
        header: headerName,
        secret: secretName,
      },
      if: { properties: { kind: { const: 'header' } }, required: ['kind'] },
      then: { required: ['header'], properties: { header: headerName } },
    },
    headers: {
      type: 'object',
      propertyNames: { pattern: HEADER_NAME_PATTERN },
      // No CR or LF: a header value must not start another header.
      additionalProperties: { type: 'string', pattern: '^[^\\r\\n]*$', maxLength: 1000 },
    },
    retries: { type: 'integer', minimum: 0, maximum: 10 },
    maxScanRows: { type: 'integer', minimum: 1, maximum: 1000000 },
    requestTimeoutMs: { type: 'integer', minimum: 1, maximum: 600000 },
    resilience: resilienceSchema,
  },
} as const;

const filterSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    eq: param,
    in: { type: 'object', additionalProperties: false, required: ['param'], properties: { param, separator } },
    prefix: param,
    gt: param,
    gte: param,
    lt: param,
    lte: param,
  },
} as const;

/** JSON Schema of a resource's binding to a department API. */
export const httpBindingSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['list', 'rows', 'fields'],
  properties: {
    list: {
      type: 'object',
      additionalProperties: false,
      required: ['path'],
      properties: { path: endpointPath, query: staticQuery },
    },
    byKeys: {
      type: 'object',
      additionalProperties: false,
      required: ['path', 'param', 'item'],
      properties: {
        path: endpointPath,
        query: staticQuery,
        param,
        item: { type: 'string', minLength: 1 },
        separator,
        maxKeys: { type: 'integer', minimum: 1, maximum: 1000 },
        rows: pointer,
      },
    },
    filters: { type: 'object', additionalProperties: filterSchema },
    paging: {
      type: 'object',
      additionalProperties: false,
      required: ['kind'],
      properties: {
        kind: { enum: ['offset', 'page', 'none'] },
        limitParam: param,
        offsetParam: param,
        pageParam: param,
        sizeParam: param,
        pageSize,
        firstPage: { type: 'integer', minimum: 0, maximum: 1 },
      },
      allOf: [
        {
          if: { properties: { kind: { const: 'offset' } }, required: ['kind'] },
          then: { required: ['limitParam', 'offsetParam', 'pageSize'], properties: { limitParam: param, offsetParam: param, pageSize } },
        },
        {
          if: { properties: { kind: { const: 'page' } }, required: ['kind'] },
          then: { required: ['pageParam', 'sizeParam', 'pageSize'], properties: { pageParam: param, sizeParam: param, pageSize } },
        },
      ],
    },
    rows: pointer,
    fields: { type: 'object', minProperties: 1, additionalProperties: { ...pointer, minLength: 2 } },
  },
} as const;

/** Paging fields and the kinds that use them. */
const PAGING_FIELDS: Readonly<Record<string, readonly HttpPaging['kind'][]>> = {
  limitParam: ['offset'],
  offsetParam: ['offset'],
  pageParam: ['page'],
  sizeParam: ['page'],
  pageSize: ['offset', 'page'],
  firstPage: ['page'],
};

/**
 * Problems of a binding beyond its schema: every item has a field and every
 * field an item; filters name filterable items and only operators their type
 * offers; byKeys names a key item; paging carries only its kind's fields; no
 * query parameter of the list or by-keys endpoint is set twice.
 */
export function httpBindingProblems(binding: unknown, items: readonly BindingItem[]): Problem[] {
  // A binding that is not an object is already reported by its schema.
  if (!isRecord(binding)) return [];
  const problems: Problem[] = [];
  const byName = new Map(items.map((item) => [item.name, item]));
  if (isRecord(binding.fields)) {
    for (const item of items) {
      if (!Object.hasOwn(binding.fields, item.name)) {
        problems.push({ path: joinPath('fields', item.name), message: 'is required: every item is read from one field of a row' });
      }
    }
    for (const name of Object.keys(binding.fields)) {
      if (!byName.has(name)) problems.push({ path: joinPath('fields', name), message: 'is not an item of the resource' });
    }
  }
  if (isRecord(binding.filters)) {
    for (const [name, filter] of Object.entries(binding.filters)) {
      const path = joinPath('filters', name);
      const item = byName.get(name);
      if (!item) {
        problems.push({ path, message: 'is not an item of the resource' });
        continue;
      }
      if (item.filterable === false) {
        problems.push({ path, message: 'is not a filterable item: consumers cannot filter on it' });
        continue;
      }
      const offered = operatorsFor(item.type);
      for (const op of isRecord(filter) ? Object.keys(filter) : []) {
        if (!offered.includes(op as ConditionOp)) {
          problems.push({ path: joinPath(path, op), message: `is not an operator of ${item.type} items (they offer ${offered.join(', ') || 'none'})` });
        }
      }
    }
  }
  if (isRecord(binding.byKeys) && typeof binding.byKeys.item === 'string') {
    const item = byName.get(binding.byKeys.item);
    if (!item) problems.push({ path: 'byKeys.item', message: 'is not an item of the resource' });
    else if (item.key === false) problems.push({ path: 'byKeys.item', message: 'is not a key item of the resource' });
    else if (!operatorsFor(item.type).includes('in')) problems.push({ path: 'byKeys.item', message: `is a ${item.type} item, which cannot be looked up by value` });
  }
  if (isRecord(binding.paging) && typeof binding.paging.kind === 'string') {
    for (const field of Object.keys(binding.paging)) {
      const usedBy = Object.hasOwn(PAGING_FIELDS, field) ? PAGING_FIELDS[field] : undefined;
      // Unknown fields are reported by the schema.
      if (usedBy && !usedBy.includes(binding.paging.kind as HttpPaging['kind'])) {
        problems.push({ path: joinPath('paging', field), message: `is not used by ${binding.paging.kind} paging` });
      }
    }
  }
  problems.push(...listParamClashes(binding), ...byKeysParamClashes(binding));
  return problems;
}

/** Query parameters of the list endpoint set by more than one part of the binding. */
function listParamClashes(binding: Record<string, unknown>): Problem[] {
  const uses: [string, unknown][] = [];
  if (isRecord(binding.list) && isRecord(binding.list.query)) {
    for (const name of Object.keys(binding.list.query)) uses.push([joinPath('list.query', name), name]);
  }
  if (isRecord(binding.filters)) {
    for (const [item, filter] of Object.entries(binding.filters)) {
      if (!isRecord(filter)) continue;
      for (const [op, spec] of Object.entries(filter)) {
        uses.push([joinPath(joinPath('filters', item), op === 'in' ? 'in.param' : op), op === 'in' && isRecord(spec) ? spec.param : spec]);
      }
    }
  }
  if (isRecord(binding.paging)) {
    for (const field of ['limitParam', 'offsetParam', 'pageParam', 'sizeParam']) {
      if (binding.paging[field] !== undefined) uses.push([joinPath('paging', field), binding.paging[field]]);
    }
  }
  return clashes(uses);
}

function byKeysParamClashes(binding: Record<string, unknown>): Problem[] {
  if (!isRecord(binding.byKeys)) return [];
  const uses: [string, unknown][] = [['byKeys.param', binding.byKeys.param]];
  if (isRecord(binding.byKeys.query)) {
    for (const name of Object.keys(binding.byKeys.query)) uses.push([joinPath('byKeys.query', name), name]);
  }
  return clashes(uses);
}

function clashes(uses: readonly (readonly [string, unknown])[]): Problem[] {
  const firstUse = new Map<unknown, string>();
  const problems: Problem[] = [];
  for (const [path, name] of uses) {
    const earlier = firstUse.get(name);
    if (earlier === undefined) firstUse.set(name, path);
    else problems.push({ path, message: `sets the query parameter ${String(name)}, which ${earlier} sets already` });
  }
  return problems;
}

/**
 * Problems of a config that depend on the gateway's settings: the base URL's
 * host must be on connectors.httpAllowList, the auth secret must be
 * configured; and static headers may not be ones the gateway sets itself.
 */
export function httpConfigProblems(config: unknown, settings: ConnectorSettings): Problem[] {
  if (!isRecord(config)) return [];
  const problems: Problem[] = [];
  if (typeof config.baseUrl === 'string') {
    const url = parseUrl(config.baseUrl);
    if (!url) problems.push({ path: 'baseUrl', message: 'is not a URL' });
    else if (!isAllowedHost(url, settings.httpAllowList)) {
      problems.push({
        path: 'baseUrl',
        message: `names host ${url.host}, which is not on the gateway's HTTP allow-list (connectors.httpAllowList, MERIDIAN_HTTP_ALLOW_LIST)`,
      });
    }
  }
  const auth = isRecord(config.auth) ? config.auth : null;
  if (auth && typeof auth.secret === 'string' && !Object.hasOwn(settings.secrets, auth.secret)) {
    problems.push({ path: 'auth.secret', message: 'names no secret configured on this gateway (connectors.secrets, MERIDIAN_SECRET_<NAME>)' });
  }
  const ownHeaders = new Set(RESERVED_HEADERS);
  if (auth && typeof auth.header === 'string') {
    const header = auth.header.toLowerCase();
    if (RESERVED_HEADERS.has(header) && header !== 'authorization') {
      problems.push({ path: 'auth.header', message: 'is a header the gateway sets itself' });
    }
    ownHeaders.add(header);
  }
  if (isRecord(config.headers)) {
    for (const name of Object.keys(config.headers)) {
      if (ownHeaders.has(name.toLowerCase())) {
        problems.push({ path: joinPath('headers', name), message: 'is set by the gateway itself (credentials belong in auth, by secret name)' });
      }
    }
  }
  return problems;
}

function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
