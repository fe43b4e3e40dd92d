/**
 * What an upstream-gateway connector is configured with (another Meridian's
 * GraphQL endpoint and the secret holding this gateway's key there) and how a
 * resource binds to one of the upstream's data fields, as JSON Schemas, plus
 * the checks a schema cannot express: the host on the allow-list, the secret
 * configured, the field map naming known items.
 */
import type { ConnectorSettings } from '../../common/config.js';
import { isAllowedHost } from '../allowList.js';
import type { Problem } from '../../common/errors.js';
import { joinPath } from '../../common/validation.js';
import { resilienceSchema, type ResilienceOverrides } from '../resilienceSchema.js';

/** A data-plane name: an apiName or an item name (DESIGN.md, "GraphQL contract"). */
export const DATA_NAME_PATTERN = '^[a-z][A-Za-z0-9]*$';

/** Largest page an upstream serves unless its config says otherwise (the gateway's default limits.maxPageSize). */
export const DEFAULT_UPSTREAM_PAGE_SIZE = 500;

const dataName = { type: 'string', pattern: DATA_NAME_PATTERN, maxLength: 63 } as const;

/** The connector's config, validated before use. */
export interface GatewayConfig {
  /** The upstream's GraphQL endpoint, e.g. https://province.example/graphql. */
  readonly url: string;
  /** The name of the secret holding a GATEWAY key of the upstream (never the key itself). */
  readonly auth: { readonly secret: string };
  /** Longest one HTTP call to the upstream may take, in ms (default: the gateway's connectors.timeoutMs). */
  readonly requestTimeoutMs?: number;
  /** The upstream's page cap (its limits.maxPageSize): larger reads are fetched page by page. */
  readonly maxPageSize?: number;
  readonly resilience?: ResilienceOverrides;
}

/** A resource's binding to one data field of the upstream. */
export interface GatewayBinding {
  /** The upstream's field under `data`. */
  readonly apiName: string;
  /** Local item name to upstream item name; items not listed keep their names. */
  readonly fields?: Readonly<Record<string, string>>;
}

/** JSON Schema of an upstream-gateway connector's config. */
export const gatewayConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['url', 'auth'],
  properties: {
    // No user information (credentials belong in secrets), no query, no fragment.
    url: { type: 'string', maxLength: 2048, pattern: '^https?://[^/?#@\\s]+(/[^?#\\s]*)?$' },
    auth: {
      type: 'object',
      additionalProperties: false,
      required: ['secret'],
      properties: { secret: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]*$', maxLength: 128 } },
    },
    requestTimeoutMs: { type: 'integer', minimum: 1, maximum: 600000 },
    maxPageSize: { type: 'integer', minimum: 1, maximum: 10000 },
    resilience: resilienceSchema,
  },
} as const;

/** JSON Schema of a resource's binding to an upstream data field. */
export const gatewayBindingSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['apiName'],
  properties: {
    apiName: dataName,
    fields: { type: 'object', propertyNames: dataName, additionalProperties: dataName },
  },
} as const;

/** Problems of a binding beyond its schema: the field map names only items, and no upstream item twice. */
export function gatewayBindingProblems(binding: unknown, items: readonly { readonly name: string }[]): Problem[] {
  const fields = isRecord(binding) && isRecord(binding.fields) ? binding.fields : null;
  if (!fields) return [];
  const problems: Problem[] = [];
  const names = new Set(items.map((item) => item.name));
  const mappedTo = new Map<string, string>();
  for (const name of names) {
    const target = Object.hasOwn(fields, name) ? fields[name] : name;
    if (typeof target !== 'string') continue;
    const earlier = mappedTo.get(target);
    // Two items read from one upstream item would name it twice in the upstream's orderBy.
    if (earlier !== undefined) problems.push({ path: joinPath('fields', name), message: `reads ${target}, which ${earlier} already reads` });
    else mappedTo.set(target, name);
  }
  for (const name of Object.keys(fields)) {
    if (!names.has(name)) problems.push({ path: joinPath('fields', name), message: 'is not an item of the resource' });
  }
  return problems;
}

/**
 * Problems of a config that depend on the gateway's settings: the URL's host
 * must be on connectors.httpAllowList and auth.secret a configured secret.
 * A config its schema rejects is left to the schema's problems.
 */
export function gatewayConfigProblems(config: unknown, settings: ConnectorSettings): Problem[] {
  if (!isRecord(config)) return [];
  const problems: Problem[] = [];
  if (typeof config.url === 'string') {
    const refused = hostProblem(config.url, settings.httpAllowList);
    if (refused) problems.push({ path: 'url', message: refused });
  }
  const secret = isRecord(config.auth) ? config.auth.secret : undefined;
  if (typeof secret === 'string' && !Object.hasOwn(settings.secrets, secret)) {
    problems.push({
      path: joinPath('auth', 'secret'),
      message: `names no configured secret (set MERIDIAN_SECRET_${secret} or connectors.secrets.${secret})`,
    });
  }
  return problems;
}

/**
 * Why `url` may not be called, or null when it may: it must be http(s)
 * without credentials, and its host (any port) or host:port on `allowList`.
 */
function hostProblem(url: string, allowList: readonly string[]): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'must be an http or https URL';
  if (parsed.username || parsed.password) return 'must not hold credentials: name a secret in auth.secret';
  return isAllowedHost(parsed, allowList)
    ? null : `host ${parsed.host} is not on the HTTP allow-list (connectors.httpAllowList, MERIDIAN_HTTP_ALLOW_LIST)`;
}

/** The upstream item an item is read from. */
export function upstreamName(binding: GatewayBinding, item: string): string {
  const fields = binding.fields;
  return fields && Object.hasOwn(fields, item) ? fields[item]! : item;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
