/**
 * The `resilience` part every connector kind's config may carry: its own
 * timeout, concurrency limit and circuit-breaker settings over the gateway's
 * defaults (config.connectors). Each kind's configSchema includes it as the
 * optional property `resilience`.
 */
import type { BreakerSettings } from '../common/config.js';

export interface ResilienceOverrides {
  readonly timeoutMs?: number;
  readonly maxConcurrency?: number;
  readonly breaker?: Partial<BreakerSettings>;
}

/** JSON Schema of `config.resilience`. */
export const resilienceSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    timeoutMs: { type: 'integer', minimum: 1, maximum: 600000 },
    maxConcurrency: { type: 'integer', minimum: 1, maximum: 10000 },
    breaker: {
      type: 'object',
      additionalProperties: false,
      properties: {
        errorThresholdPercentage: { type: 'integer', minimum: 1, maximum: 100 },
        volumeThreshold: { type: 'integer', minimum: 1 },
        rollingWindowMs: { type: 'integer', minimum: 100 },
        resetTimeoutMs: { type: 'integer', minimum: 10 },
      },
    },
  },
} as const;
