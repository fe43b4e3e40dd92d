/**
 * One idempotent GET of a JSON document from a department API, made with
 * fetchWithRetry (timeouts, retries with backoff, no redirects), its outcome
 * classified for the connector to translate; no upstream body or driver
 * message leaves this module.
 */
import { fetchWithRetry, type HttpOutcome } from '../fetchWithRetry.js';

/** One call: where, with which headers, how long each attempt may take, how often to retry. */
export interface JsonCall {
  readonly url: URL;
  readonly headers: Headers;
  readonly timeoutMs: number;
  /** Retries after a connection error or a 5xx answer. */
  readonly retries: number;
  readonly signal: AbortSignal;
  /** Told of each failed attempt before it is retried, for the log. */
  readonly onRetry?: (failure: CallFailure, attempt: number, delayMs: number) => void;
}

/** Why a call failed. */
export type CallFailure =
  /** No answer: refused, reset, unknown host (`errno` as the socket layer names it). */
  | { readonly kind: 'connection'; readonly errno: string }
  /** A 5xx answer. */
  | { readonly kind: 'server'; readonly status: number }
  /** 401 or 403: the API refused the gateway's credentials. */
  | { readonly kind: 'refused'; readonly status: number }
  /** 429: the API asks the gateway to slow down. */
  | { readonly kind: 'busy'; readonly status: number }
  /** Any other answer that is not 2xx: another 4xx, or a redirect, which is never followed. */
  | { readonly kind: 'client'; readonly status: number }
  /** A 2xx answer whose body is not JSON. */
  | { readonly kind: 'body' }
  /** The attempt outlasted timeoutMs. */
  | { readonly kind: 'timeout' }
  /** The caller's signal aborted, with its reason. */
  | { readonly kind: 'aborted'; readonly reason: unknown };

/** The parsed body, or why there is none; `attempts` counts the HTTP requests made. */
export type JsonOutcome =
  | { readonly ok: true; readonly body: unknown; readonly attempts: number }
  | { readonly ok: false; readonly failure: CallFailure; readonly attempts: number };

/** GETs `call.url` and parses the answer as JSON, retrying what may succeed on a second try. */
export async function fetchJson(call: JsonCall): Promise<JsonOutcome> {
  const { onRetry } = call;
  const { outcome, attempts } = await fetchWithRetry({
    url: call.url,
    method: 'GET',
    headers: call.headers,
    timeoutMs: call.timeoutMs,
    retries: call.retries,
    signal: call.signal,
    readsBody: isSuccess,
    onRetry: onRetry && ((failure, attempt, delayMs) => onRetry(classify(failure), attempt, delayMs)),
  });
  if (outcome.kind !== 'answer' || !isSuccess(outcome.status)) return { ok: false, failure: classify(outcome), attempts };
  try {
    return { ok: true, body: JSON.parse(outcome.text!) as unknown, attempts };
  } catch {
    return { ok: false, failure: { kind: 'body' }, attempts };
  }
}

function isSuccess(status: number): boolean {
  return status >= 200 && status <= 299;
}

/** The failure of an outcome other than a 2xx answer. */
function classify(outcome: HttpOutcome): CallFailure {
  if (outcome.kind !== 'answer') return outcome;
  const { status } = outcome;
  if (status === 401 || status === 403) return { kind: 'refused', status };
  if (status === 429) return { kind: 'busy', status };
  if (status >= 500) return { kind: 'server', status };
  return { kind: 'client', status };
}
