/**
 * OpenTelemetry for the process, through @opentelemetry/sdk-node: the tracer
 * and meter providers are registered with the OpenTelemetry API, where the
 * gateway's plugin, exchanges and connector guards find them.
 *
 * - Metrics: always read by a Prometheus reader that the gateway serves at
 *   GET /metrics on its own port (unless metrics are switched off); also
 *   exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT or
 *   OTEL_EXPORTER_OTLP_METRICS_ENDPOINT is set.
 * - Traces: exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT or
 *   OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set (the SDK then follows the other
 *   standard OTEL_* variables), or to the span processors given (tests).
 *   Without either no spans are made, and ledger records carry no trace id.
 *
 * The standard OTEL_* variables are the SDK's own configuration, outside
 * MeridianConfig: the SDK and its exporters read them, so this module reads
 * the same environment to decide what to start. OTEL_SDK_DISABLED=true turns
 * it all off, /metrics included.
 *
 * The API's registrations are per process, so one telemetry serves every
 * gateway of a process (tests run several): the first start builds it, later
 * ones share it, and the last shutdown flushes it and unregisters it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, diag, DiagLogLevel, metrics, trace } from '@opentelemetry/api';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtobufMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { defaultResource, envDetector, hostDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { PeriodicExportingMetricReader, type IMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Logger } from '../../common/logger.js';
import { INSTRUMENTATION_SCOPE } from '../../common/telemetryNames.js';

export interface TelemetryOptions {
  /**
   * Serve GET /metrics (Prometheus text format). It is not behind GraphQL
   * authentication and shows only aggregate figures: counts, bytes and
   * durations by department and resource code. Default true.
   */
  readonly metricsEnabled?: boolean;
  /** Span processors used instead of the OTLP export the environment configures (tests: an in-memory exporter). */
  readonly spanProcessors?: readonly SpanProcessor[];
}

/** One gateway's handle on the process's telemetry. */
export interface Telemetry {
  /** Answers GET /metrics in Prometheus text format; null when metrics are switched off. */
  readonly metricsHandler: ((req: IncomingMessage, res: ServerResponse) => void) | null;
  /** Releases this gateway's share; the last one flushes spans and metrics to their exporters and unregisters them. */
  shutdown(): Promise<void>;
}

interface ProcessTelemetry {
  readonly sdk: NodeSDK;
  readonly prometheus: PrometheusExporter | null;
  readonly options: TelemetryOptions;
  users: number;
}

/** The process's telemetry, once a start began: a promise, so that gateways starting together share one. */
let running: Promise<ProcessTelemetry> | null = null;
/** The last shutdown, which a new start awaits: its unregistering must not undo the new registrations. */
let stopping: Promise<void> = Promise.resolve();

/** Starts the process's telemetry, or joins the one already running. */
export async function startTelemetry(options: TelemetryOptions, logger: Logger): Promise<Telemetry> {
  const log = logger.child({ component: 'telemetry' });
  const starting = running;
  running ??= createProcessTelemetry(options, log).catch((error: unknown) => {
    running = null;
    throw error;
  });
  const shared = await running;
  if (starting && (shared.options.spanProcessors !== options.spanProcessors || shared.options.metricsEnabled !== options.metricsEnabled)) {
    log.warn('telemetry already runs in this process with other options; this gateway shares it as it is');
  }
  shared.users += 1;
  let released = false;
  return {
    metricsHandler: shared.prometheus ? (req, res) => shared.prometheus!.getMetricsRequestHandler(req, res) : null,
    async shutdown() {
      if (released) return;
      released = true;
      shared.users -= 1;
      if (shared.users > 0) return;
      running = null;
      stopping = shared.sdk
        .shutdown()
        .catch((error: unknown) => log.warn({ err: error instanceof Error ? error.message : String(error) }, 'telemetry not flushed'))
        .finally(() => {
          trace.disable();
          metrics.disable();
          context.disable();
          diag.disable();
        });
      await stopping;
    },
  };
}

async function createProcessTelemetry(options: TelemetryOptions, log: Logger): Promise<ProcessTelemetry> {
  await stopping;
  const env = process.env;
  // The SDK then starts nothing, and a Prometheus reader bound to no provider could not answer.
  const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true';
  const prometheus = options.metricsEnabled === false || disabled ? null : new PrometheusExporter({ preventServerStart: true });
  const readers: IMetricReader[] = prometheus ? [prometheus] : [];
  const metricExporters = exporterNames(env.OTEL_METRICS_EXPORTER);
  if (otlpEndpointSet(env, 'METRICS') && (metricExporters.length === 0 || metricExporters.includes('otlp'))) {
    readers.push(otlpMetricReader(env));
  }
  const config: Partial<NodeSDKConfiguration> = {
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (the env detector) override the name.
    resource: defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: INSTRUMENTATION_SCOPE })),
    // Not the process detector: command lines can carry what must not leave the host.
    resourceDetectors: [envDetector, hostDetector],
    metricReaders: readers,
    // Meridian logs through pino; the SDK's log signal stays unused.
    logRecordProcessors: [],
    // Trace context is neither read from callers nor sent to sources: a client does not choose the ledger's trace ids.
    textMapPropagator: null,
  };
  const otlpTraces = otlpEndpointSet(env, 'TRACES') && !exporterNames(env.OTEL_TRACES_EXPORTER).includes('none');
  if (options.spanProcessors) {
    config.spanProcessors = [...options.spanProcessors];
  } else if (!otlpTraces) {
    // No processor: the SDK registers no tracer provider, and spans cost nothing.
    config.spanProcessors = [];
  }
  // Otherwise neither option is given, and the SDK builds its exporters from OTEL_TRACES_EXPORTER and the OTLP variables.
  const tracing = options.spanProcessors ? options.spanProcessors.length > 0 : otlpTraces;

  if (!env.OTEL_LOG_LEVEL) {
    // Export failures would otherwise go unseen; OTEL_LOG_LEVEL gives the SDK's own console logger instead.
    diag.setLogger(
      {
        error: (message) => log.error(message),
        warn: (message) => log.warn(message),
        info: () => {},
        debug: () => {},
        verbose: () => {},
      },
      DiagLogLevel.WARN,
    );
  }
  const sdk = new NodeSDK(config);
  sdk.start();
  log.info({ prometheus: prometheus !== null, otlpMetrics: readers.length > (prometheus ? 1 : 0), tracing }, 'telemetry started');
  return { sdk, prometheus, options, users: 0 };
}

type Signal = 'TRACES' | 'METRICS';

function otlpEndpointSet(env: NodeJS.ProcessEnv, signal: Signal): boolean {
  return Boolean(env[`OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`]?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim());
}

/** The names in a list variable such as OTEL_METRICS_EXPORTER; empty when unset (the SDK's default, otlp). */
function exporterNames(list: string | undefined): string[] {
  return (list ?? '').split(',').map((name) => name.trim()).filter(Boolean);
}

/**
 * A periodic OTLP reader, its protocol and timing from the standard variables
 * (as the SDK reads them for traces); the exporter reads its endpoint and
 * headers from the environment itself.
 */
function otlpMetricReader(env: NodeJS.ProcessEnv): IMetricReader {
  const protocol = (env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? '').trim() || 'http/protobuf';
  let exporter: PushMetricExporter;
  if (protocol === 'grpc') exporter = new GrpcMetricExporter();
  else if (protocol === 'http/json') exporter = new JsonMetricExporter();
  else exporter = new ProtobufMetricExporter();
  const exportIntervalMillis = positiveNumber(env.OTEL_METRIC_EXPORT_INTERVAL) ?? 60_000;
  const exportTimeoutMillis = Math.min(positiveNumber(env.OTEL_METRIC_EXPORT_TIMEOUT) ?? 30_000, exportIntervalMillis);
  return new PeriodicExportingMetricReader({ exporter, exportIntervalMillis, exportTimeoutMillis });
}

function positiveNumber(text: string | undefined): number | undefined {
  const value = Number(text);
  return text && Number.isFinite(value) && value > 0 ? value : undefined;
}
