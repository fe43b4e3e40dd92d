/**
 * Conditional sharing through GraphQL: a consumer applies, the provider's
 * admins approve (possibly narrowed) or reject, the consumer may withdraw
 * while pending, the provider may revoke the grant at any time. Every change
 * reaches every instance before the mutation answers on this one.
 */
import { badInput, meridianError } from '../../../common/errors.js';
import type { ApplicationDecisionRequest, ApplicationRequest } from '../../../policies/index.js';
import {
  decideApplication,
  listApplications,
  markRevoked,
  submitApplication,
  withdrawApplication,
  type ApplicationEvent,
  type ApplicationFilter,
  type ApplicationRecord,
} from '../../applications/applicationStore.js';
import { revokeGrant } from '../../grants/grantStore.js';
import type { RequestContext } from '../../context.js';
import { administers, requireRole, withoutNulls } from './access.js';
import { departmentOf } from './catalogResolvers.js';

export const applicationResolvers = {
  Query: {
    applications(_: unknown, args: { filter?: ApplicationFilter | null; first?: number | null; after?: string | null }, ctx: RequestContext) {
      const first = args.first ?? 20;
      const max = ctx.services.config.limits.maxPageSize;
      if (!Number.isInteger(first) || first < 0 || first > max) throw badInput(`first must be between 0 and ${max}`);
      return listApplications(ctx.services.knex, ctx.principal, withoutNulls(args.filter ?? {}), { first, after: args.after ?? null }, ctx.services.clock.now());
    },
  },

  Mutation: {
    async applyForAccess(_: unknown, args: { input: ApplicationRequest }, ctx: RequestContext) {
      requireRole(ctx.principal, 'applyForAccess', 'CONSUMER');
      const resource = ctx.catalog.published.get(args.input.resource);
      if (!resource) throw meridianError('NOT_FOUND', { what: 'Published resource', id: args.input.resource });
      const { config, calendar, clock, knex } = ctx.services;
      return submitApplication(knex, {
        principal: ctx.principal,
        resource,
        request: args.input,
        now: clock.now(),
        calendar,
        answerWithinWorkingDays: config.applications.answerWithinWorkingDays,
      });
    },

    async decideApplication(_: unknown, args: { id: string; input: ApplicationDecisionRequest }, ctx: RequestContext) {
      requireRole(ctx.principal, 'decideApplication', 'PROVIDER_ADMIN');
      const decided = await decideApplication(ctx.services.knex, {
        id: args.id,
        principal: ctx.principal,
        request: args.input,
        catalog: ctx.catalog,
        now: ctx.services.clock.now(),
      });
      if (decided.grantId) await ctx.services.state.refresh('grants');
      return decided;
    },

    async withdrawApplication(_: unknown, args: { id: string }, ctx: RequestContext) {
      requireRole(ctx.principal, 'withdrawApplication', 'CONSUMER');
      return withdrawApplication(ctx.services.knex, args.id, ctx.principal, ctx.services.clock.now());
    },

    async revokeGrant(_: unknown, args: { id: string; reason: string }, ctx: RequestContext) {
      requireRole(ctx.principal, 'revokeGrant', 'PROVIDER_ADMIN');
      const { knex, clock } = ctx.services;
      const now = clock.now();
      const grant = await knex.transaction(async (trx) => {
        const revoked = await revokeGrant(trx, args.id, args.reason, { keyId: ctx.principal.keyId, department: ctx.principal.department, via: 'graphql' }, now, (code) => {
          const resource = ctx.catalog.resources.get(code);
          return resource !== undefined && administers(ctx.principal, resource.provider);
        });
        await markRevoked(trx, revoked, ctx.principal, args.reason.trim(), now);
        return revoked;
      });
      await ctx.services.state.refresh('grants');
      return grant;
    },
  },

  Application: {
    resource: (application: ApplicationRecord, _: unknown, ctx: RequestContext) =>
      ctx.catalog.visible.get(application.resourceCode) ?? ctx.catalog.resources.get(application.resourceCode),
    consumer: (application: ApplicationRecord, _: unknown, ctx: RequestContext) => departmentOf(ctx.catalog, application.consumerDepartment),
    grant: (application: ApplicationRecord, _: unknown, ctx: RequestContext) =>
      application.grantId ? ctx.loaders.grants.load(application.grantId) : null,
    history: (application: ApplicationRecord, _: unknown, ctx: RequestContext) => ctx.loaders.applicationHistory.load(application.id),
  },

  ApplicationEvent: {
    by: (event: ApplicationEvent) => ({ ...event.by, expiresAt: null }),
  },
};
