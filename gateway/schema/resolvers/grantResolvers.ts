/**
 * Grants through GraphQL. The application workflow that creates them
 * (applyForAccess, decideApplication, withdrawApplication) is issue #3; until
 * it lands those operations answer NOT_AVAILABLE, and grants come from the
 * demo or from operators.
 */
import { meridianError } from '../../../common/errors.js';
import { notifyChange, recordAdminAction } from '../../../db/index.js';
import type { RequestContext } from '../../context.js';
import { actorOf, administers, requireRole } from './access.js';

interface GrantRow {
  id: string;
  resource_code: string;
  items: string[] | string;
  row_scope: unknown;
  clear_items: string[] | string;
  max_rows_per_day: number | null;
  max_calls_per_minute: number | null;
  valid_from: Date;
  valid_until: Date | null;
  revoked_at: Date | null;
}

const parse = <T>(value: T | string): T => (typeof value === 'string' ? (JSON.parse(value) as T) : value);

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
      const { knex } = ctx.services;
      const reason = args.reason.trim();
      if (!reason) throw meridianError('BAD_USER_INPUT', { what: 'reason must say why the grant is revoked' });
      const revoked = await knex.transaction(async (trx) => {
        const grant = (await trx('grants').where({ id: args.id }).forUpdate().first()) as GrantRow | undefined;
        const resource = grant ? ctx.catalog.resources.get(grant.resource_code) : undefined;
        // Another department's grant is reported as missing: its existence is not the caller's business.
        if (!grant || !resource || !administers(ctx.principal, resource.provider)) {
          throw meridianError('NOT_FOUND', { what: 'Grant', id: args.id });
        }
        if (grant.revoked_at) throw meridianError('CONFLICT', { what: `Grant ${args.id} was already revoked at ${grant.revoked_at.toISOString()}` });
        const now = ctx.services.clock.now();
        await trx('grants').where({ id: args.id }).update({ revoked_at: now, revoke_reason: reason });
        await recordAdminAction(trx, actorOf(ctx.principal), 'revokeGrant', args.id, { reason });
        await notifyChange(trx, 'grants');
        return { ...grant, revoked_at: now };
      });
      await ctx.services.state.refresh('grants');
      return {
        id: revoked.id,
        items: parse<string[]>(revoked.items),
        rowScope: revoked.row_scope === null ? null : parse(revoked.row_scope),
        clearItems: parse<string[]>(revoked.clear_items),
        maxRowsPerDay: revoked.max_rows_per_day,
        maxCallsPerMinute: revoked.max_calls_per_minute,
        validFrom: revoked.valid_from,
        validUntil: revoked.valid_until,
        revokedAt: revoked.revoked_at,
      };
    },
  },
};
