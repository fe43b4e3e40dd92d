/**
 * One GraphQL POST to an upstream Meridian, made with fetchWithRetry
 * (time-limited, abortable by the caller, never following a redirect, retried
 * after a connection error or a 5xx answer: a GraphQL query is idempotent),
 * with this gateway's key and the department it asks for. Failures are
 * returned as values; the connector turns them into catalog errors.
 */
import { ON_BEHALF_OF_HEADER } from '../../common/index.js';
import { fetchWithRetry, type HttpOutcome } from '../fetchWithRetry.js';

/** One call to make. */
export interface UpstreamCall {
  readonly url: string;
  /** This gateway's key at the upstream; sent as a bearer token, never logged. */
  readonly key: string;
  /** The department asked for (x-meridian-on-behalf-of); null for calls of the gateway itself. */
  readonly onBehalfOf: string | null;
  readonly requestId: string | null;
  readonly query: string;
  readonly variables: Readonly<Record<string, unknown>>;
  /** Longest one attempt may take, in ms. */
  readonly timeoutMs: number;
  /** Further attempts after a connection error or a 5xx answer. */
  readonly retries: number;
  /** Aborted when the caller stops waiting: the call in flight is cut and nothing is retried. */
  readonly signal: AbortSignal;
}

/**
 * Posts `call`; resolves with the last attempt's outcome. The body of a 5xx
 * answer is not read (the connector reports the status alone).
 */
export async function postUpstream(call: UpstreamCall): Promise<HttpOutcome> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    authorization: `Bearer ${call.key}`,
  };
  if (call.onBehalfOf !== null) headers[ON_BEHALF_OF_HEADER] = call.onBehalfOf;
  if (call.requestId !== null) headers['x-request-id'] = call.requestId;
  const { outcome } = await fetchWithRetry({
    url: call.url,
    method: 'POST',
    headers,
    body: JSON.stringify({ query: call.query, variables: call.variables }),
    timeoutMs: call.timeoutMs,
    retries: call.retries,
    signal: call.signal,
    readsBody: (status) => status < 500,
  });
  return outcome;
}
