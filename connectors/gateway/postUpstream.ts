/**
 * One GraphQL POST to an upstream Meridian with node's fetch: time-limited,
 * abortable by the caller, never following a redirect (it could lead off the
 * allow-list), and retried with backoff after a connection error or a 5xx
 * answer (a GraphQL query is idempotent). Failures are returned as values;
 * the connector turns them into catalog errors.
 */

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

/** How a call ended. */
export type UpstreamOutcome =
  | { readonly kind: 'answer'; readonly status: number; readonly text: string }
  | { readonly kind: 'timeout' }
  /** No HTTP answer: `detail` is the socket error's code (ECONNREFUSED) or a short description. */
  | { readonly kind: 'unreachable'; readonly detail: string }
  | { readonly kind: 'aborted' };

/** First wait before a retry, in ms; it doubles each time, with jitter. */
const BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 2000;

/** Posts `call`, retrying as described above; resolves with the last attempt's outcome. */
export async function postUpstream(call: UpstreamCall): Promise<UpstreamOutcome> {
  const body = JSON.stringify({ query: call.query, variables: call.variables });
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    authorization: `Bearer ${call.key}`,
  };
  if (call.onBehalfOf !== null) headers['x-meridian-on-behalf-of'] = call.onBehalfOf;
  if (call.requestId !== null) headers['x-request-id'] = call.requestId;

  for (let attempt = 0; ; attempt++) {
    const outcome = await attemptOnce(call, headers, body);
    const retryable = outcome.kind === 'unreachable' || (outcome.kind === 'answer' && outcome.status >= 500);
    if (!retryable || attempt >= call.retries) return outcome;
    const wait = Math.min(MAX_BACKOFF_MS, BACKOFF_MS * 2 ** attempt) * (0.5 + Math.random() / 2);
    if (!(await pause(wait, call.signal))) return { kind: 'aborted' };
  }
}

async function attemptOnce(call: UpstreamCall, headers: Record<string, string>, body: string): Promise<UpstreamOutcome> {
  if (call.signal.aborted) return { kind: 'aborted' };
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  call.signal.addEventListener('abort', abort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, call.timeoutMs);
  try {
    const response = await fetch(call.url, { method: 'POST', headers, body, redirect: 'manual', signal: controller.signal });
    // The body is read under the same signal and timer: a stalled body is a timeout too.
    const text = await response.text();
    return { kind: 'answer', status: response.status, text };
  } catch (error) {
    if (call.signal.aborted) return { kind: 'aborted' };
    if (timedOut) return { kind: 'timeout' };
    return { kind: 'unreachable', detail: socketErrorCode(error) };
  } finally {
    clearTimeout(timer);
    call.signal.removeEventListener('abort', abort);
  }
}

/** Waits `ms`; false when `signal` aborted first. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (waited: boolean): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(waited);
    };
    const onAbort = (): void => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The socket error's code behind fetch's generic "fetch failed" (undici puts it in `cause`). */
function socketErrorCode(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  return 'connection failed';
}
