/**
 * One idempotent GET of a JSON document from a department API: retried with
 * exponential backoff and jitter after a connection error or a 5xx answer,
 * each attempt bounded by a timeout, the whole call by the caller's signal.
 * Outcomes are classified values for the connector to translate; no upstream
 * body or driver message leaves this module.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { linkSignals } from './linkSignals.js';

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

type AttemptOutcome = { readonly ok: true; readonly body: unknown } | { readonly ok: false; readonly failure: CallFailure };

const BACKOFF_BASE_MS = 100;
const BACKOFF_MAX_MS = 2000;

/** GETs `call.url` and parses the answer as JSON, retrying what may succeed on a second try. */
export async function fetchJson(call: JsonCall): Promise<JsonOutcome> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await attemptOnce(call);
    if (outcome.ok || !isRetryable(outcome.failure) || attempt > call.retries) return { ...outcome, attempts: attempt };
    const delayMs = backoffMs(attempt);
    call.onRetry?.(outcome.failure, attempt, delayMs);
    try {
      await sleep(delayMs, undefined, { signal: call.signal });
    } catch {
      return { ok: false, failure: { kind: 'aborted', reason: call.signal.reason }, attempts: attempt };
    }
  }
}

async function attemptOnce(call: JsonCall): Promise<AttemptOutcome> {
  if (call.signal.aborted) return { ok: false, failure: { kind: 'aborted', reason: call.signal.reason } };
  const link = linkSignals([call.signal]);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    link.controller.abort();
  }, call.timeoutMs);
  try {
    // A redirect is never followed: it could lead the gateway to a host outside the allow-list.
    const response = await fetch(call.url, { method: 'GET', headers: call.headers, redirect: 'manual', signal: link.controller.signal });
    if (response.status < 200 || response.status > 299) {
      await response.body?.cancel().catch(() => undefined);
      return { ok: false, failure: classifyStatus(response.status) };
    }
    const text = await response.text();
    try {
      return { ok: true, body: JSON.parse(text) as unknown };
    } catch {
      return { ok: false, failure: { kind: 'body' } };
    }
  } catch (error) {
    if (call.signal.aborted) return { ok: false, failure: { kind: 'aborted', reason: call.signal.reason } };
    if (timedOut) return { ok: false, failure: { kind: 'timeout' } };
    return { ok: false, failure: { kind: 'connection', errno: errnoOf(error) } };
  } finally {
    clearTimeout(timer);
    link.release();
  }
}

function classifyStatus(status: number): CallFailure {
  if (status === 401 || status === 403) return { kind: 'refused', status };
  if (status === 429) return { kind: 'busy', status };
  if (status >= 500) return { kind: 'server', status };
  return { kind: 'client', status };
}

function isRetryable(failure: CallFailure): boolean {
  return failure.kind === 'connection' || failure.kind === 'server';
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
