/**
 * What an upstream Meridian's answer means for the local exchange, as catalog
 * errors. The upstream's decisions keep their codes and wording (it decides on
 * its own authority); answers that say this gateway's key or binding does not
 * fit the upstream become connector errors, since the local consumer did
 * nothing wrong; anything outside the catalog is CONNECTOR_BAD_RESPONSE.
 */
import { errorCodes, meridianError, upstreamError, type ErrorCode, type MeridianError } from '../../common/errors.js';

/** Codes of the upstream's data plane, passed on as the upstream answered them. */
const KEPT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'APPLICATION_REQUIRED',
  'ITEMS_NOT_GRANTED',
  'GRANT_EXPIRED',
  'QUOTA_EXCEEDED',
  'NOT_SHARED',
  'LEDGER_UNAVAILABLE',
  'CONNECTOR_TIMEOUT',
  'CONNECTOR_UNAVAILABLE',
  'CONNECTOR_BAD_RESPONSE',
  'QUERY_TOO_COMPLEX',
  'BAD_USER_INPUT',
  'INTERNAL',
]);

/** Codes saying the upstream refused this gateway's key (none, unknown, or without the GATEWAY role). */
const KEY_REFUSED: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['UNAUTHENTICATED', 'FORBIDDEN']);

/** Longest upstream message passed on. */
const MAX_MESSAGE = 1000;

/** The facts of one failed read that errors name. */
export interface ReadFacts {
  /** The local resource code. */
  readonly resource: string;
  /** The upstream's data field, for paths. */
  readonly apiName: string;
  readonly timeoutMs: number;
  /** Local name of an upstream item (items listed by a denial are shown in local names). */
  localItem(upstream: string): string;
}

/** The first GraphQL error of an answer, as far as it has the expected shape. */
export interface UpstreamGraphQLError {
  readonly message: string | null;
  readonly code: string | null;
  readonly extensions: Readonly<Record<string, unknown>>;
}

/** Reads the first entry of a GraphQL `errors` list. */
export function firstGraphQLError(errors: readonly unknown[]): UpstreamGraphQLError {
  const first = errors[0];
  const record = isRecord(first) ? first : {};
  const extensions = isRecord(record.extensions) ? record.extensions : {};
  return {
    message: typeof record.message === 'string' ? record.message.slice(0, MAX_MESSAGE) : null,
    code: typeof extensions.code === 'string' ? extensions.code : null,
    extensions,
  };
}

/** The catalog error for the upstream's GraphQL error. */
export function translateUpstreamError(error: UpstreamGraphQLError, read: ReadFacts): MeridianError {
  const code = error.code !== null && (errorCodes as readonly string[]).includes(error.code) ? (error.code as ErrorCode) : null;
  if (code === null || error.message === null) return badResponse(read, 'errors[0].extensions.code');
  if (KEY_REFUSED.has(code)) return keyRefused(read, code);
  if (code === 'SHUTTING_DOWN') return meridianError('CONNECTOR_UNAVAILABLE', { resource: read.resource, timeoutMs: read.timeoutMs });
  // Parse and validation failures, or control-plane codes: the query the binding describes does not fit the upstream's schema.
  if (!KEPT.has(code)) return badResponse(read, `data.${read.apiName}`);
  return upstreamError(code, error.message, keptExtensions(error.extensions, read));
}

/** The upstream refused this gateway's key: the connector is unusable until an administrator fixes the key. */
export function keyRefused(read: ReadFacts, why: string): MeridianError {
  return upstreamError(
    'CONNECTOR_UNAVAILABLE',
    `the upstream gateway serving ${read.resource} refused this gateway's key (${why}); a catalog administrator must configure a valid GATEWAY key`,
    { upstream: true, keyRefused: true },
  );
}

/** CONNECTOR_BAD_RESPONSE at `path` of the upstream's answer. */
export function badResponse(read: ReadFacts, path: string): MeridianError {
  return meridianError('CONNECTOR_BAD_RESPONSE', { resource: read.resource, timeoutMs: read.timeoutMs, path });
}

/** The extensions of an upstream error worth passing on, renamed where the local gateway has its own. */
function keptExtensions(extensions: Readonly<Record<string, unknown>>, read: ReadFacts): Record<string, unknown> {
  const kept: Record<string, unknown> = { upstream: true };
  // The local exchange has its own decisionId, exchangeId and errorId; the upstream's are kept beside them.
  if (typeof extensions.decisionId === 'string') kept.upstreamDecisionId = extensions.decisionId;
  if (typeof extensions.exchangeId === 'string') kept.upstreamExchangeId = extensions.exchangeId;
  if (typeof extensions.errorId === 'string') kept.upstreamErrorId = extensions.errorId;
  if (typeof extensions.retryAfter === 'string' || typeof extensions.retryAfter === 'number') kept.retryAfter = extensions.retryAfter;
  if (typeof extensions.action === 'string') kept.action = extensions.action.slice(0, MAX_MESSAGE);
  if (Array.isArray(extensions.items) && extensions.items.every((item) => typeof item === 'string')) {
    kept.items = (extensions.items as string[]).map((item) => read.localItem(item));
  }
  return kept;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
