/**
 * The span and the metrics of one exchange. The span is a child of its
 * request's span, and the connector fetch runs inside it; the metrics are
 * counted once, from the exchange's ledger record, so the figures Prometheus
 * shows and the ledger's roll-ups count the same thing. Nothing here looks at
 * rows: the cost per exchange is one span and a handful of instrument updates.
 */
import {
  context,
  metrics,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Counter,
  type Histogram,
  type MeterProvider,
} from '@opentelemetry/api';
import { isMeridianError } from '../../common/errors.js';
import { ATTR, INSTRUMENTATION_SCOPE, METRIC, SPAN } from '../../common/telemetryNames.js';
import type { ExchangeRecord } from '../../ledger/index.js';
import type { RequestContext } from '../context.js';
import { requestTraceOf } from './requestTrace.js';

/** What is known of an exchange when it starts. */
export interface ExchangeStart {
  readonly exchangeId: string;
  readonly decisionId: string;
  readonly operation: string;
  readonly resourceCode: string;
  readonly providerDepartment: string;
  /** The department the data is for (on-behalf-of for a gateway principal). */
  readonly consumerDepartment: string;
}

export interface ExchangeTelemetry {
  /** The trace id of the exchange's span, for its ledger record; null when tracing is off. */
  readonly traceId: string | null;
  /** Runs `work` with the exchange's span active, so that the connector fetch it makes is the span's child. */
  within<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Ends the span and counts the exchange as `record` says, or as an ERROR with
   * `failure`'s code when the record could not be written. Only the first call counts.
   */
  end(record: ExchangeRecord, failure?: unknown): void;
}

interface ExchangeInstruments {
  readonly exchanges: Counter;
  readonly records: Counter;
  readonly bytes: Counter;
  readonly denials: Counter;
  readonly duration: Histogram;
}

/** Instruments of the meter provider registered now (it changes when a gateway of the process restarts telemetry). */
let bound: { readonly provider: MeterProvider; readonly instruments: ExchangeInstruments } | null = null;

function instruments(): ExchangeInstruments {
  const provider = metrics.getMeterProvider();
  if (bound?.provider !== provider) {
    const meter = provider.getMeter(INSTRUMENTATION_SCOPE);
    bound = {
      provider,
      instruments: {
        exchanges: meter.createCounter(METRIC.exchanges, { description: 'Exchanges, every outcome', unit: '{exchange}' }),
        records: meter.createCounter(METRIC.exchangeRecords, { description: 'Rows delivered (exchange volume, 条次)', unit: '{record}' }),
        bytes: meter.createCounter(METRIC.exchangeBytes, { description: 'Bytes of rows delivered, as JSON', unit: 'By' }),
        denials: meter.createCounter(METRIC.exchangeDenials, { description: 'Exchanges denied, by error code', unit: '{exchange}' }),
        duration: meter.createHistogram(METRIC.exchangeDuration, { description: 'Exchange duration, decision to ledger record', unit: 'ms' }),
      },
    };
  }
  return bound.instruments;
}

/** Starts the span of an exchange of `request`. */
export function startExchangeTelemetry(request: RequestContext, start: ExchangeStart): ExchangeTelemetry {
  const parent = requestTraceOf(request);
  const span = trace.getTracer(INSTRUMENTATION_SCOPE).startSpan(
    SPAN.exchange,
    {
      kind: SpanKind.INTERNAL,
      attributes: {
        [ATTR.exchangeId]: start.exchangeId,
        [ATTR.decisionId]: start.decisionId,
        [ATTR.exchangeOperation]: start.operation,
        [ATTR.resource]: start.resourceCode,
        [ATTR.provider]: start.providerDepartment,
        [ATTR.consumer]: start.consumerDepartment,
        [ATTR.requestId]: request.requestId,
      },
    },
    parent,
  );
  const recording = span.isRecording();
  const active = trace.setSpan(parent, span);
  let ended = false;
  return {
    traceId: recording ? span.spanContext().traceId : null,
    within: (work) => (recording ? context.with(active, work) : work()),
    end(record, failure) {
      if (ended) return;
      ended = true;
      const outcome = failure === undefined ? record.outcome : 'ERROR';
      const errorCode = failure === undefined ? record.errorCode : isMeridianError(failure) ? failure.code : 'INTERNAL';
      if (recording) {
        span.setAttributes({ [ATTR.outcome]: outcome, [ATTR.rows]: record.rows, [ATTR.bytes]: record.bytes });
        if (errorCode !== null) span.setAttribute(ATTR.errorCode, errorCode);
        if (record.grantId !== null) span.setAttribute(ATTR.grantId, record.grantId);
        // A denial is the policy working, not a fault: only ERROR marks the span failed.
        if (outcome === 'ERROR') span.setStatus({ code: SpanStatusCode.ERROR, message: errorCode ?? 'INTERNAL' });
        span.end();
      }
      const counted = instruments();
      const attributes: Attributes = {
        [ATTR.provider]: record.providerDepartment,
        [ATTR.consumer]: start.consumerDepartment,
        [ATTR.resource]: record.resourceCode,
        [ATTR.outcome]: outcome,
      };
      counted.exchanges.add(1, attributes);
      counted.records.add(record.rows, attributes);
      counted.bytes.add(record.bytes, attributes);
      counted.duration.record(record.durationMs, attributes);
      if (outcome === 'DENIED') {
        counted.denials.add(1, {
          [ATTR.provider]: record.providerDepartment,
          [ATTR.consumer]: start.consumerDepartment,
          [ATTR.resource]: record.resourceCode,
          [ATTR.errorCode]: errorCode ?? 'UNKNOWN',
        });
      }
    },
  };
}
