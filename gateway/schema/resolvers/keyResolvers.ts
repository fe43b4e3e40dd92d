/** The caller (`me`) and API keys: issue (shown once) and revoke. */
import { meridianError } from '../../../common/errors.js';
import { findKeyPrincipal, issueApiKey, revokeApiKey, type ApiKeyInput } from '../../auth/apiKeys.js';
import type { Principal } from '../../../policies/index.js';
import type { RequestContext } from '../../context.js';
import { actorOf, requireRole, withoutNulls } from './access.js';
import { departmentOf } from './catalogResolvers.js';

export const keyResolvers = {
  Query: {
    async me(_: unknown, __: unknown, ctx: RequestContext) {
      const found = await findKeyPrincipal(ctx.services.knex, ctx.principal.keyId);
      return found ?? { ...ctx.principal, expiresAt: null };
    },
  },

  Mutation: {
    async issueApiKey(_: unknown, args: { input: ApiKeyInput }, ctx: RequestContext) {
      requireRole(ctx.principal, 'issueApiKey', 'CATALOG_ADMIN');
      const issued = await issueApiKey(ctx.services.knex, withoutNulls(args.input), actorOf(ctx.principal), {
        now: ctx.services.clock.now(),
      });
      await ctx.services.state.refresh('keys');
      return { key: issued.key, principal: { ...issued.principal, expiresAt: issued.expiresAt } };
    },

    async revokeApiKey(_: unknown, args: { keyId: string }, ctx: RequestContext) {
      requireRole(ctx.principal, 'revokeApiKey', 'CATALOG_ADMIN');
      const revoked = await revokeApiKey(ctx.services.knex, args.keyId, actorOf(ctx.principal), ctx.services.clock.now());
      if (!revoked) throw meridianError('NOT_FOUND', { what: 'Unrevoked API key', id: args.keyId });
      await ctx.services.state.refresh('keys');
      return true;
    },
  },

  Principal: {
    department: (principal: Principal, _: unknown, ctx: RequestContext) => departmentOf(ctx.catalog, principal.department),
  },
};
