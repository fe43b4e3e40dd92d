/**
 * Gateway configuration: read once from the environment and an optional file
 * (JSON or YAML, named by MERIDIAN_CONFIG), validated by JSON Schema, defaults
 * filled, then frozen and passed in. Nothing else reads process.env.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { meridianError } from './errors.js';
import { toProblems } from './validation.js';
import { addIdentifierFormats, isCalendarDate } from './identifiers.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Limits that protect the gateway from expensive queries. */
export interface QueryLimits {
  /** Deepest selection nesting allowed. */
  readonly maxDepth: number;
  /** Highest estimated cost (rows that may be fetched, summed over fields). */
  readonly maxCost: number;
  /** Largest `first` on a data or catalog page; more is BAD_USER_INPUT, not a clamp. */
  readonly maxPageSize: number;
  /** Most aliased fields in one query. */
  readonly maxAliases: number;
  /** Largest request body accepted, in bytes. */
  readonly maxBodyBytes: number;
  /** Most related rows one look-up of a related resource may return (for one level of one request). */
  readonly maxLookupRows: number;
}

export interface LedgerSettings {
  /** Most records written by one INSERT. */
  readonly maxBatch: number;
  /** Longest a record waits for companions before its batch is written, in ms. */
  readonly maxWaitMs: number;
  /** A writer signs its chain head after this many records... */
  readonly checkpointEvery: number;
  /** ...or this long after its last checkpoint, whichever comes first (ms). */
  readonly checkpointIntervalMs: number;
  /** Months of exchange records kept before they may be archived (at least 36: three years). */
  readonly retentionMonths: number;
  /** Monthly partitions kept created ahead of the current month. */
  readonly partitionsAhead: number;
}

/** When a connector's circuit breaker opens (fails fast) and when it tries again. */
export interface BreakerSettings {
  /** Open when more than this percentage of the fetches in the rolling window failed... */
  readonly errorThresholdPercentage: number;
  /** ...and at least this many fetches were made in it. */
  readonly volumeThreshold: number;
  readonly rollingWindowMs: number;
  /** After this long open, one trial fetch decides whether it closes again. */
  readonly resetTimeoutMs: number;
}

export interface ConnectorSettings {
  /** Statement timeout of every source query, in ms. */
  readonly statementTimeoutMs: number;
  /** Pool size of each PostgreSQL connector with its own server. */
  readonly maxConnections: number;
  /** Longest one fetch may take before CONNECTOR_TIMEOUT, in ms (a connector's config may set its own). */
  readonly timeoutMs: number;
  /** Most fetches in flight per connector; more are refused at once with CONNECTOR_UNAVAILABLE. */
  readonly maxConcurrency: number;
  readonly breaker: BreakerSettings;
  /** Hosts (`host` or `host:port`) HTTP and upstream-gateway connectors may call; nothing else is ever called. */
  readonly httpAllowList: readonly string[];
  /** Retries of idempotent HTTP calls after a connection error or a 5xx answer. */
  readonly httpRetries: number;
  /** Rows an HTTP connector may read to apply filters its API cannot; past it the exchange fails. */
  readonly maxScanRows: number;
  /** Named secrets (API tokens) that connector configs refer to by name; never logged or exported. */
  readonly secrets: Readonly<Record<string, string>>;
}

/** The department that operates the exchange; it holds the MERIDIAN_ADMIN_KEY key. */
export interface OperatorDepartment {
  readonly code: string;
  readonly name: string;
  readonly regionCode: string;
  readonly level: 'NATIONAL' | 'PROVINCIAL' | 'MUNICIPAL' | 'COUNTY';
}

/** The deadline of access applications (政务信息资源共享申请的答复期限). */
export interface ApplicationSettings {
  /** Working days a provider has to answer, after the submission day. */
  readonly answerWithinWorkingDays: number;
  /** Public holidays ('YYYY-MM-DD') in the configured time zone. */
  readonly holidays: readonly string[];
  /** Weekend days that are working days (调休上班日). */
  readonly makeUpWorkdays: readonly string[];
}

export interface MeridianConfig {
  readonly port: number;
  readonly host: string;
  /** PostgreSQL server; null selects the embedded database in dataDir. */
  readonly databaseUrl: string | null;
  readonly dataDir: string;
  /** When set, a key with CATALOG_ADMIN and AUDITOR is ensured at start. */
  readonly adminKey: string | null;
  /** Registered at start when adminKey is set and it is missing. */
  readonly operator: OperatorDepartment;
  /** Load the demo departments, data and resources into an empty database. */
  readonly demo: boolean;
  /** Which demo: a city's departments, or a province's (the upstream of the city demo). */
  readonly demoProfile: 'city' | 'province';
  /**
   * The GraphQL URL of a province demo gateway. When set, the city demo also
   * registers a resource served from it (secret DEMO_UPSTREAM_KEY; its host must be on the allow-list).
   */
  readonly demoUpstream: string | null;
  readonly logLevel: LogLevel;
  /** Time zone of working days and reports. */
  readonly timeZone: string;
  readonly introspection: boolean;
  /** Serve aggregate metrics in Prometheus format at GET /metrics. */
  readonly metricsEnabled: boolean;
  /** Secret of HASH masks; when null a random one is kept in the database. */
  readonly maskSecret: string | null;
  readonly limits: QueryLimits;
  readonly ledger: LedgerSettings;
  readonly connectors: ConnectorSettings;
  readonly applications: ApplicationSettings;
  /** How long a stopping gateway waits for requests in flight, in ms. */
  readonly shutdownGraceMs: number;
  /** Full reload of cached catalog, keys and grants, besides change notifications, in ms. */
  readonly cacheRefreshMs: number;
}

/** The shortest retention of the exchange log: three years. */
export const MIN_RETENTION_MONTHS = 36;

const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    port: { type: 'integer', minimum: 0, maximum: 65535, default: 4000 },
    host: { type: 'string', minLength: 1, default: '0.0.0.0' },
    databaseUrl: { type: ['string', 'null'], pattern: '^postgres(ql)?://', default: null },
    dataDir: { type: 'string', minLength: 1, default: './data' },
    adminKey: { type: ['string', 'null'], minLength: 24, default: null },
    operator: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        code: { type: 'string', format: 'credit-code', default: '11000000MB00000014' },
        name: { type: 'string', minLength: 1, default: '数据共享交换平台运营方' },
        regionCode: { type: 'string', pattern: '^[0-9]{6,12}$', default: '000000' },
        level: { enum: ['NATIONAL', 'PROVINCIAL', 'MUNICIPAL', 'COUNTY'], default: 'MUNICIPAL' },
      },
    },
    demo: { type: 'boolean', default: true },
    demoProfile: { enum: ['city', 'province'], default: 'city' },
    demoUpstream: { type: ['string', 'null'], pattern: '^https?://', default: null },
    logLevel: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
    timeZone: { type: 'string', minLength: 1, default: 'Asia/Shanghai' },
    introspection: { type: 'boolean', default: true },
    metricsEnabled: { type: 'boolean', default: true },
    maskSecret: { type: ['string', 'null'], minLength: 16, default: null },
    limits: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        maxDepth: { type: 'integer', minimum: 2, default: 12 },
        maxCost: { type: 'integer', minimum: 1, default: 50000 },
        maxPageSize: { type: 'integer', minimum: 1, maximum: 10000, default: 500 },
        maxAliases: { type: 'integer', minimum: 0, default: 30 },
        maxBodyBytes: { type: 'integer', minimum: 1024, default: 1048576 },
        maxLookupRows: { type: 'integer', minimum: 1, maximum: 100000, default: 5000 },
      },
    },
    ledger: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        maxBatch: { type: 'integer', minimum: 1, maximum: 2000, default: 500 },
        maxWaitMs: { type: 'integer', minimum: 0, maximum: 1000, default: 2 },
        checkpointEvery: { type: 'integer', minimum: 1, default: 1000 },
        checkpointIntervalMs: { type: 'integer', minimum: 100, default: 60000 },
        retentionMonths: { type: 'integer', minimum: MIN_RETENTION_MONTHS, default: MIN_RETENTION_MONTHS },
        partitionsAhead: { type: 'integer', minimum: 1, maximum: 24, default: 3 },
      },
    },
    connectors: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        statementTimeoutMs: { type: 'integer', minimum: 1, default: 5000 },
        maxConnections: { type: 'integer', minimum: 1, maximum: 100, default: 8 },
        timeoutMs: { type: 'integer', minimum: 1, default: 10000 },
        maxConcurrency: { type: 'integer', minimum: 1, maximum: 10000, default: 64 },
        breaker: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            errorThresholdPercentage: { type: 'integer', minimum: 1, maximum: 100, default: 50 },
            volumeThreshold: { type: 'integer', minimum: 1, default: 5 },
            rollingWindowMs: { type: 'integer', minimum: 100, default: 10000 },
            resetTimeoutMs: { type: 'integer', minimum: 10, default: 10000 },
          },
        },
        httpAllowList: { type: 'array', items: { type: 'string', pattern: '^[A-Za-z0-9.-]+(:[0-9]{1,5})?$' }, default: [] },
        httpRetries: { type: 'integer', minimum: 0, maximum: 10, default: 2 },
        maxScanRows: { type: 'integer', minimum: 1, default: 10000 },
        secrets: {
          type: 'object',
          default: {},
          propertyNames: { pattern: '^[A-Za-z][A-Za-z0-9_]*$' },
          additionalProperties: { type: 'string', minLength: 1 },
        },
      },
    },
    applications: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        answerWithinWorkingDays: { type: 'integer', minimum: 1, maximum: 365, default: 10 },
        holidays: { type: 'array', items: { type: 'string', format: 'date' }, default: [] },
        makeUpWorkdays: { type: 'array', items: { type: 'string', format: 'date' }, default: [] },
      },
    },
    shutdownGraceMs: { type: 'integer', minimum: 0, default: 10000 },
    cacheRefreshMs: { type: 'integer', minimum: 1000, default: 60000 },
  },
} as const;

/** Environment variables and the config path each one sets. */
const ENVIRONMENT: Readonly<Record<string, string>> = {
  PORT: 'port',
  HOST: 'host',
  DATABASE_URL: 'databaseUrl',
  MERIDIAN_DATA_DIR: 'dataDir',
  MERIDIAN_ADMIN_KEY: 'adminKey',
  MERIDIAN_OPERATOR_CODE: 'operator.code',
  MERIDIAN_OPERATOR_NAME: 'operator.name',
  MERIDIAN_DEMO: 'demo',
  MERIDIAN_DEMO_PROFILE: 'demoProfile',
  MERIDIAN_DEMO_UPSTREAM: 'demoUpstream',
  MERIDIAN_LOG_LEVEL: 'logLevel',
  MERIDIAN_TIME_ZONE: 'timeZone',
  MERIDIAN_INTROSPECTION: 'introspection',
  MERIDIAN_METRICS_ENABLED: 'metricsEnabled',
  MERIDIAN_MASK_SECRET: 'maskSecret',
  MERIDIAN_MAX_PAGE_SIZE: 'limits.maxPageSize',
  MERIDIAN_STATEMENT_TIMEOUT_MS: 'connectors.statementTimeoutMs',
  MERIDIAN_ANSWER_WORKING_DAYS: 'applications.answerWithinWorkingDays',
  MERIDIAN_HOLIDAYS: 'applications.holidays',
  MERIDIAN_MAKEUP_WORKDAYS: 'applications.makeUpWorkdays',
  MERIDIAN_HTTP_ALLOW_LIST: 'connectors.httpAllowList',
  MERIDIAN_CONNECTOR_TIMEOUT_MS: 'connectors.timeoutMs',
  MERIDIAN_LEDGER_RETENTION_MONTHS: 'ledger.retentionMonths',
};

/** Environment variables MERIDIAN_SECRET_<NAME> set the connector secret <NAME>. */
const SECRET_PREFIX = 'MERIDIAN_SECRET_';

/** Settings given in the environment as comma-separated lists. */
const LIST_SETTINGS = new Set(['applications.holidays', 'applications.makeUpWorkdays', 'connectors.httpAllowList']);

/** The environment variable names the gateway reads, for docs and `--help`. */
export const configEnvironmentVariables = Object.freeze([...Object.keys(ENVIRONMENT), 'MERIDIAN_CONFIG', `${SECRET_PREFIX}<NAME>`]);

const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true, strict: true, allowUnionTypes: true });
addIdentifierFormats(ajv);
ajv.addFormat('date', { type: 'string', validate: isCalendarDate });
const validateConfig = ajv.compile(configSchema);

/**
 * Loads the configuration: file first (MERIDIAN_CONFIG), environment over it,
 * `overrides` (used by tests and the CLI) over both. Throws CONFIG_INVALID listing every problem.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>> = {},
  overrides: Readonly<Record<string, unknown>> = {},
): MeridianConfig {
  const merged: Record<string, unknown> = env.MERIDIAN_CONFIG ? readConfigFile(env.MERIDIAN_CONFIG) : {};
  for (const [name, path] of Object.entries(ENVIRONMENT)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    setPath(merged, path, LIST_SETTINGS.has(path) ? value.split(',').map((part) => part.trim()).filter(Boolean) : value);
  }
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith(SECRET_PREFIX) && value) setPath(merged, 'connectors.secrets', { ...secretsOf(merged), [name.slice(SECRET_PREFIX.length)]: value });
  }
  for (const [path, value] of Object.entries(overrides)) setPath(merged, path, value);
  if (!validateConfig(merged)) {
    const problems = toProblems(validateConfig.errors ?? []).map((p) => `${withEnvName(p.path)} ${p.message}`);
    throw meridianError('CONFIG_INVALID', { problems: problems.join('; ') });
  }
  return deepFreeze(merged) as unknown as MeridianConfig;
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw meridianError('CONFIG_INVALID', { problems: `MERIDIAN_CONFIG names ${path}, which cannot be read` });
  }
  try {
    const parsed: unknown = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new TypeError('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw meridianError('CONFIG_INVALID', { problems: `${path} must hold one JSON or YAML object` });
  }
}

function secretsOf(merged: Record<string, unknown>): Record<string, unknown> {
  const connectors = merged.connectors as Record<string, unknown> | undefined;
  return (connectors?.secrets as Record<string, unknown> | undefined) ?? {};
}

function withEnvName(path: string): string {
  const env = Object.entries(ENVIRONMENT).find(([, p]) => p === path)?.[0];
  return env ? `${path} (${env})` : path;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === null || typeof next !== 'object') node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
