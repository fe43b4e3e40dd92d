/**
 * One span per GraphQL request, the parent of the request's exchanges. It
 * names the operation and who asked (department and key id, never the key);
 * it never carries the query text or variables, which hold data values.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { context, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import { ATTR, INSTRUMENTATION_SCOPE, SPAN } from '../../common/telemetryNames.js';
import type { RequestContext } from '../context.js';
import { bindRequestTrace } from '../telemetry/requestTrace.js';

/** Error codes a response may carry that say the gateway failed, not the request. */
const SERVER_FAULTS: ReadonlySet<string> = new Set(['INTERNAL', 'LEDGER_UNAVAILABLE', 'SHUTTING_DOWN']);

/** The plugin that traces each GraphQL request; listed first, so its span covers the other plugins' work. */
export function telemetryPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ contextValue }) {
      const { principal } = contextValue;
      const attributes: Attributes = {
        [ATTR.requestId]: contextValue.requestId,
        [ATTR.principalDepartment]: principal.department,
        [ATTR.principalKeyId]: principal.keyId,
      };
      if (principal.onBehalfOf) attributes[ATTR.principalOnBehalfOf] = principal.onBehalfOf;
      const active = context.active();
      const span = trace.getTracer(INSTRUMENTATION_SCOPE).startSpan(SPAN.request, { kind: SpanKind.SERVER, attributes }, active);
      if (!span.isRecording()) return {};
      bindRequestTrace(contextValue, trace.setSpan(active, span));
      return {
        async didResolveOperation({ operationName, operation }) {
          if (operationName) span.setAttribute(ATTR.operationName, operationName);
          if (operation) span.setAttribute(ATTR.operationType, operation.operation);
        },
        async willSendResponse({ response }) {
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          const codes = [...new Set(errors.map((error) => String(error.extensions?.code ?? 'INTERNAL')))];
          if (codes.length > 0) span.setAttribute(ATTR.errorCodes, codes);
          const fault = codes.find((code) => SERVER_FAULTS.has(code));
          if (fault) span.setStatus({ code: SpanStatusCode.ERROR, message: fault });
          span.end();
        },
      };
    },
  };
}
