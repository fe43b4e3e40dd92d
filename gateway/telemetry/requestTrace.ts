/**
 * The trace context of each GraphQL request's span, by request context.
 * Apollo runs resolvers outside the plugin hook that starts the span, so the
 * exchanges of a request find their parent here rather than in the active
 * context. Weakly held: a finished request's entry goes with its context.
 */
import { ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import type { RequestContext } from '../context.js';

const traces = new WeakMap<RequestContext, Context>();

/** Records `trace` (a context holding the request span) as the parent of `request`'s exchanges. */
export function bindRequestTrace(request: RequestContext, trace: Context): void {
  traces.set(request, trace);
}

/** The context holding `request`'s span; the root context when the request has none (tracing off). */
export function requestTraceOf(request: RequestContext): Context {
  return traces.get(request) ?? ROOT_CONTEXT;
}
