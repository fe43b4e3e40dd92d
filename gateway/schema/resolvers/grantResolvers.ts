/**
 * Grants through GraphQL. The application workflow that creates them
 * (applyForAccess, decideApplication, withdrawApplication) is issue #3; until
 * it lands those operations answer NOT_AVAILABLE, and grants come from the
 * demo or from operators.
 */
import { meridianError } from '../../../common/errors.js';
import type { RequestContext } from '../../context.js';
import { revokeGrant } from '../../grants/grantStore.js';
import { actorOf, administers, requireRole } from './access.js';

function notYet(operation: string): never {
  throw meridianError('NOT_AVAILABLE', { operation });
}

export const grantResolvers = {
  Query: {
    // TODO(#3): the application workflow.
    applications: () => notYet('applications'),
  },
  Mutation: {
    applyForAccess: () => notYet('applyForAccess'),
    decideApplication: () => notYet('decideApplication'),
    withdrawApplication: () => notYet('withdrawApplication'),

    async revokeGrant(_: unknown, args: { id: string; reason: string }, ctx: RequestContext) {
      requireRole(ctx.principal, 'revokeGrant', 'PROVIDER_ADMIN');
      const grant = await revokeGrant(ctx.services.knex, args.id, args.reason, actorOf(ctx.principal), ctx.services.clock.now(), (code) => {
        const resource = ctx.catalog.resources.get(code);
        return resource !== undefined && administers(ctx.principal, resource.provider);
      });
      await ctx.services.state.refresh('grants');
      return grant;
    },
  },
};
