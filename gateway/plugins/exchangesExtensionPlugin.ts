/**
 * Adds `extensions.exchanges` to every response that touched data: one entry
 * per exchange of the request, denied and failed ones included.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from '../context.js';

export function exchangesExtensionPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (contextValue.exchanges.length === 0 || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, exchanges: [...contextValue.exchanges] };
        },
      };
    },
  };
}
