/**
 * One HTTP call of a connector to its source (a department API, an upstream
 * Meridian) with node's fetch: each attempt bounded by a timeout, the whole
 * call by the caller's signal, a redirect never followed (it could lead the
 * gateway to a host outside the allow-list), and retried with exponential
 * backoff and jitter after a connection error or a 5xx answer (connectors
 * only read, and a read is idempotent). Outcomes are values for the connector
 * to translate; no driver message leaves this module.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { linkSignals } from './linkSignals.js';

/** One call: where, how, how long each attempt may take, how often to retry. */
export interface HttpCall {
  readonly url: URL | string;
  readonly method: 'GET' | 'POST';
  readonly headers: Headers | Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
  /** Retries after a connection error or a 5xx answer. */
  readonly retries: number;
  readonly signal: AbortSignal;
  /** Whether the body of an answer with this status is read; any other body is discarded unread. */
  readonly readsBody: (status: number) => boolean;
  /** Told of each failed attempt before it is retried, for the log. */
  readonly onRetry?: (failure: HttpOutcome, attempt: number, delayMs: number) => void;
}

/** How a call ended. */
export type HttpOutcome =
  /** An answer, a 5xx one only once the retries are spent; `text` is null when its body was not read. */
  | { readonly kind: 'answer'; readonly status: number; readonly text: string | null }
  /** No answer: refused, reset, unknown host (`errno` as the socket layer names it). */
  | { readonly kind: 'connection'; readonly errno: string }
  /** The attempt outlasted timeoutMs. */
  | { readonly kind: 'timeout' }
  /** The caller's signal aborted, with its reason. */
  | { readonly kind: 'aborted'; readonly reason: unknown };

/** The last attempt's outcome; `attempts` counts the HTTP requests made. */
export interface HttpResult {
  readonly outcome: HttpOutcome;
  readonly attempts: number;
}

const BACKOFF_BASE_MS = 100;
const BACKOFF_MAX_MS = 2000;

/** Makes `call`, retrying what may succeed on a second try. */
export async function fetchWithRetry(call: HttpCall): Promise<HttpResult> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await attemptOnce(call);
    if (!isRetryable(outcome) || attempt > call.retries) return { outcome, attempts: attempt };
    const delayMs = backoffMs(attempt);
    call.onRetry?.(outcome, attempt, delayMs);
    try {
      await sleep(delayMs, undefined, { signal: call.signal });
    } catch {
      return { outcome: { kind: 'aborted', reason: call.signal.reason }, attempts: attempt };
    }
  }
}

async function attemptOnce(call: HttpCall): Promise<HttpOutcome> {
  if (call.signal.aborted) return { kind: 'aborted', reason: call.signal.reason };
  const link = linkSignals([call.signal]);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    link.controller.abort();
  }, call.timeoutMs);
  try {
    const response = await fetch(call.url, {
      method: call.method,
      headers: call.headers,
      body: call.body,
      redirect: 'manual',
      signal: link.controller.signal,
    });
    if (!call.readsBody(response.status)) {
      await response.body?.cancel().catch(() => undefined);
      return { kind: 'answer', status: response.status, text: null };
    }
    // The body is read under the same signal and timer: a stalled body is a timeout too.
    return { kind: 'answer', status: response.status, text: await response.text() };
  } catch (error) {
    if (call.signal.aborted) return { kind: 'aborted', reason: call.signal.reason };
    if (timedOut) return { kind: 'timeout' };
    return { kind: 'connection', errno: errnoOf(error) };
  } finally {
    clearTimeout(timer);
    link.release();
  }
}

function isRetryable(outcome: HttpOutcome): boolean {
  return outcome.kind === 'connection' || (outcome.kind === 'answer' && outcome.status >= 500);
}

/** Exponential backoff with equal jitter: half the step fixed, half random, so retries of many callers spread out. */
function backoffMs(attempt: number): number {
  const step = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
  return Math.round(step / 2 + Math.random() * (step / 2));
}

/** The socket layer's code of a failed fetch (undici puts it on `cause`): ECONNREFUSED, ENOTFOUND, UND_ERR_SOCKET. */
function errnoOf(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  return error instanceof Error ? error.name : 'unknown';
}
