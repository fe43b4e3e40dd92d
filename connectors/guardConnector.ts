/**
 * The guard every connector runs behind: a timeout per fetch, a limit on the
 * fetches in flight, and a circuit breaker (opossum) that fails fast while a
 * source keeps failing and lets one trial through after a pause. Whatever the
 * guard refuses is a catalog error; errors of the source pass through as they are.
 * Each fetch is a span (a child of the exchange that asked) and a duration in
 * a histogram, refusals included; both name the connector, never the values read.
 */
import { metrics, SpanKind, SpanStatusCode, trace, type Histogram } from '@opentelemetry/api';
import CircuitBreaker from 'opossum';
import type { BreakerSettings, ConnectorSettings } from '../common/config.js';
import { isMeridianError, meridianError, withDetail, type ErrorCode, type ErrorExtensions, type MeridianError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { ATTR, INSTRUMENTATION_SCOPE, METRIC, SPAN } from '../common/telemetryNames.js';
import type { Connector, ConnectorStatus, FetchOptions, FetchRequest, FetchResult } from './Connector.js';
import type { ResilienceOverrides } from './resilienceSchema.js';

/** The guard's limits for one connector: the gateway's settings, with the connector's own over them. */
interface ResilienceSettings {
  readonly timeoutMs: number;
  readonly maxConcurrency: number;
  readonly breaker: BreakerSettings;
}

type Fetch = (requests: readonly FetchRequest[], options: FetchOptions) => Promise<FetchResult[]>;

type GuardBreaker = CircuitBreaker<Parameters<Fetch>, FetchResult[]>;

/**
 * Codes that say the source itself failed. Any other code is the caller's doing
 * (BAD_USER_INPUT) or the data's (CONNECTOR_BAD_RESPONSE) and keeps the circuit
 * closed. An upstream gateway answers with its own codes, so its INTERNAL,
 * LEDGER_UNAVAILABLE and SHUTTING_DOWN count as well.
 */
const SOURCE_FAILURES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'CONNECTOR_TIMEOUT',
  'CONNECTOR_UNAVAILABLE',
  'INTERNAL',
  'LEDGER_UNAVAILABLE',
  'SHUTTING_DOWN',
]);

/**
 * Wraps `connector` in a timeout of `timeoutMs` per fetch (its signal is
 * aborted then, and when the caller's signal aborts), a limit of
 * `maxConcurrency` fetches in flight, and a circuit breaker; `overrides` (the
 * connector config's `resilience`) take precedence over `settings`.
 */
export function guardConnector(
  connector: Connector,
  settings: ConnectorSettings,
  overrides: ResilienceOverrides | undefined,
  logger: Logger,
): Connector {
  const limits = resilienceSettings(settings, overrides);
  const log = logger.child({ connector: connector.id, kind: connector.kind });
  /** Fetches in flight, so that stop() can abort them. */
  const inFlight = new Map<AbortController, readonly FetchRequest[]>();
  /** Rejections the source is not to blame for (the caller went away). */
  const cancellations = new WeakSet<object>();
  let breaker: GuardBreaker | null = null;
  // From the meter provider registered when the gateway creates its connectors (telemetry starts first).
  const fetchDuration = metrics.getMeter(INSTRUMENTATION_SCOPE).createHistogram(METRIC.connectorFetchDuration, {
    description: 'Guarded connector fetch duration, refusals included',
    unit: 'ms',
  });
  let openedAt = 0;
  let openFailures = 0;
  let halfOpenedAt = 0;

  const retryAfter = (): string => iso(openedAt + limits.breaker.resetTimeoutMs);
  const openSummary = (): string => `circuit open since ${iso(openedAt)} (${openFailures} failures); retrying after ${retryAfter()}`;

  /** opossum's own rejections as catalog errors; any other error is the source's and passes through. */
  const refusalOf = (error: unknown, requests: readonly FetchRequest[], active: GuardBreaker): unknown => {
    if (!(error instanceof Error) || !CircuitBreaker.isOurError(error)) return error;
    if (isOpossumError(error, 'ESEMLOCKED')) return unavailable(requests, 'the source is busy: it has as many fetches in flight as it may');
    if (isOpossumError(error, 'EOPENBREAKER')) {
      return active.halfOpen
        ? unavailable(requests, 'circuit half-open: a trial fetch is testing the source')
        : unavailable(requests, openSummary(), { retryAfter: retryAfter() });
    }
    // The only other rejection of opossum (timeouts are attempt's own): the breaker was shut down.
    return unavailable(requests, 'the connector stopped');
  };

  const attempt: Fetch = async (requests, options) => {
    const call = new AbortController();
    inFlight.set(call, requests);
    const cancel = (): void => {
      const error = cancelled(requests, options.signal);
      cancellations.add(error);
      call.abort(error);
    };
    options.signal.addEventListener('abort', cancel, { once: true });
    const timer = setTimeout(() => {
      log.warn({ resources: resourcesOf(requests), timeoutMs: limits.timeoutMs, requestId: options.requestId }, 'fetch timed out');
      call.abort(meridianError('CONNECTOR_TIMEOUT', { resource: resourcesOf(requests), timeoutMs: limits.timeoutMs }));
    }, limits.timeoutMs);
    try {
      // The race answers at the abort even when the source does not stop its work.
      return await Promise.race([connector.fetch(requests, { ...options, signal: call.signal }), rejectedOnAbort(call.signal)]);
    } finally {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', cancel);
      inFlight.delete(call);
    }
  };

  const createBreaker = (): GuardBreaker => {
    const created: GuardBreaker = new CircuitBreaker(attempt, {
      name: connector.id,
      // The timeout is attempt's own: opossum's would abort one controller shared by every call.
      timeout: false,
      capacity: limits.maxConcurrency,
      errorThresholdPercentage: limits.breaker.errorThresholdPercentage,
      volumeThreshold: limits.breaker.volumeThreshold,
      rollingCountTimeout: limits.breaker.rollingWindowMs,
      resetTimeout: limits.breaker.resetTimeoutMs,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      // opossum counts a filtered error as a success, which closes a half-open circuit.
      errorFilter: (error: unknown) => !countsAgainstSource(error, created, cancellations),
    });
    created.on('open', () => {
      openedAt = Date.now();
      openFailures = created.stats.failures;
      log.warn({ failures: openFailures, retryAfter: retryAfter() }, 'circuit open: fetches fail fast');
    });
    created.on('halfOpen', () => {
      halfOpenedAt = Date.now();
      log.info({ openSince: iso(openedAt) }, 'circuit half-open: the next fetch is a trial');
    });
    created.on('close', () => log.info('circuit closed: the source answered the trial'));
    return created;
  };

  return {
    id: connector.id,
    kind: connector.kind,
    async start() {
      // The breaker exists before the source answers: a source down at start still fails fast once it keeps failing.
      breaker ??= createBreaker();
      await connector.start();
    },
    async stop() {
      const closing = breaker;
      breaker = null;
      closing?.shutdown();
      for (const [call, requests] of inFlight) call.abort(unavailable(requests, 'the connector stopped'));
      await connector.stop();
    },
    status(): ConnectorStatus {
      if (breaker?.opened) return Object.freeze({ state: 'ERROR', message: openSummary() });
      if (breaker?.halfOpen) {
        return Object.freeze({ state: 'WARN', message: `circuit half-open since ${iso(halfOpenedAt)}: the next fetch tries the source again` });
      }
      return connector.status();
    },
    async fetch(requests, options) {
      if (requests.length === 0) return [];
      return observed(connector, requests, fetchDuration, async () => {
        const active = breaker;
        if (!active) throw unavailable(requests, 'the connector is not running');
        if (options.signal.aborted) throw cancelled(requests, options.signal);
        try {
          return await active.fire(requests, options);
        } catch (error) {
          throw refusalOf(error, requests, active);
        }
      });
    },
  };
}

/**
 * Runs one guarded fetch as a span of the active context (the exchange's) and
 * records its duration, by connector and outcome; the span names the resources,
 * never the values asked for or read.
 */
async function observed(
  connector: Connector,
  requests: readonly FetchRequest[],
  fetchDuration: Histogram,
  fetch: () => Promise<FetchResult[]>,
): Promise<FetchResult[]> {
  const started = performance.now();
  const span = trace.getTracer(INSTRUMENTATION_SCOPE).startSpan(SPAN.connectorFetch, {
    kind: SpanKind.CLIENT,
    attributes: {
      [ATTR.connectorId]: connector.id,
      [ATTR.connectorKind]: connector.kind,
      [ATTR.resource]: resourcesOf(requests).join(','),
      [ATTR.connectorRequests]: requests.length,
    },
  });
  const finish = (failure: unknown): void => {
    const outcome = failure === undefined ? 'OK' : 'ERROR';
    fetchDuration.record(performance.now() - started, { [ATTR.connectorId]: connector.id, [ATTR.connectorKind]: connector.kind, [ATTR.outcome]: outcome });
    span.setAttribute(ATTR.outcome, outcome);
    if (failure !== undefined) {
      const code = isMeridianError(failure) ? failure.code : 'INTERNAL';
      span.setAttribute(ATTR.errorCode, code);
      span.setStatus({ code: SpanStatusCode.ERROR, message: code });
    }
    span.end();
  };
  try {
    const results = await fetch();
    finish(undefined);
    return results;
  } catch (error) {
    finish(error);
    throw error;
  }
}

function resilienceSettings(settings: ConnectorSettings, overrides: ResilienceOverrides | undefined): ResilienceSettings {
  const breaker = overrides?.breaker;
  return {
    timeoutMs: overrides?.timeoutMs ?? settings.timeoutMs,
    maxConcurrency: overrides?.maxConcurrency ?? settings.maxConcurrency,
    breaker: {
      errorThresholdPercentage: breaker?.errorThresholdPercentage ?? settings.breaker.errorThresholdPercentage,
      volumeThreshold: breaker?.volumeThreshold ?? settings.breaker.volumeThreshold,
      rollingWindowMs: breaker?.rollingWindowMs ?? settings.breaker.rollingWindowMs,
      resetTimeoutMs: breaker?.resetTimeoutMs ?? settings.breaker.resetTimeoutMs,
    },
  };
}

/**
 * Whether a failed fetch counts toward opening the circuit. A refusal for lack
 * of a free slot, or a fetch the caller cancelled, says nothing about the
 * source, except during the half-open trial: it did not show the source is
 * back, so the circuit stays open.
 */
function countsAgainstSource(
  error: unknown,
  breaker: GuardBreaker,
  cancellations: WeakSet<object>,
): boolean {
  if (isOpossumError(error, 'ESEMLOCKED') || (error !== null && typeof error === 'object' && cancellations.has(error))) {
    return breaker.halfOpen;
  }
  return isMeridianError(error) ? SOURCE_FAILURES.has(error.code) : true;
}

function isOpossumError(error: unknown, code: string): boolean {
  return error instanceof Error && CircuitBreaker.isOurError(error) && (error as Error & { code?: unknown }).code === code;
}

/**
 * The error of a fetch the caller gave up on: the abort reason when it is a
 * catalog error (the gateway shutting down), otherwise CONNECTOR_UNAVAILABLE
 * saying it was cancelled.
 */
function cancelled(requests: readonly FetchRequest[], signal: AbortSignal): MeridianError {
  const reason: unknown = signal.reason;
  return isMeridianError(reason) ? reason : unavailable(requests, 'the fetch was cancelled before the source answered');
}

/** CONNECTOR_UNAVAILABLE saying why the guard refused: a client deciding when to retry needs it (busy, circuit open until when). */
function unavailable(requests: readonly FetchRequest[], why: string, extensions: ErrorExtensions = {}): MeridianError {
  return withDetail(meridianError('CONNECTOR_UNAVAILABLE', { resource: resourcesOf(requests) }, extensions), why);
}

/** The distinct resource codes of a batch, for messages and logs. */
function resourcesOf(requests: readonly FetchRequest[]): string[] {
  return [...new Set(requests.map((request) => request.resource.code))];
}

function rejectedOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
