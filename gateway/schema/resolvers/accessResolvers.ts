/**
 * explainAccess: item by item, whether the caller's department may read a
 * resource, masked or in clear, under which grant, and if not, why and what to
 * do. It asks the same decide() the data plane uses.
 */
import { randomUUID } from 'node:crypto';
import { meridianError, describeError } from '../../../common/errors.js';
import { decide, type Decision } from '../../../policies/index.js';
import type { RequestContext } from '../../context.js';
import { grantKey } from '../../grants/grantStore.js';

function decideFor(ctx: RequestContext, code: string, items: readonly string[]): Decision {
  const resource = ctx.catalog.visible.get(code);
  if (!resource) throw meridianError('NOT_FOUND', { what: 'Resource', id: code });
  const department = ctx.principal.onBehalfOf ?? ctx.principal.department;
  return decide({
    decisionId: randomUUID(),
    principal: ctx.principal,
    resource,
    use: { selected: items, filtered: {}, ordered: [] },
    grants: ctx.grants.get(grantKey(department, code)) ?? [],
    now: ctx.services.clock.now(),
  });
}

/** What to do about a denial; a pending application of the department is named instead of "apply". */
function actionOf(decision: Decision, pending: { id: string; due_by: Date } | undefined): string | null {
  if (decision.effect === 'allow') return null;
  if (pending && (decision.code === 'APPLICATION_REQUIRED' || decision.code === 'ITEMS_NOT_GRANTED' || decision.code === 'GRANT_EXPIRED')) {
    return `Your department's application ${pending.id} is pending; the provider answers by ${pending.due_by.toISOString()}.`;
  }
  return decision.action ?? describeError(decision.code).action;
}

export const accessResolvers = {
  Query: {
    async explainAccess(_: unknown, args: { resource: string; items?: string[] | null }, ctx: RequestContext) {
      const resource = ctx.catalog.visible.get(args.resource);
      if (!resource) throw meridianError('NOT_FOUND', { what: 'Resource', id: args.resource });
      const items = args.items && args.items.length > 0 ? args.items : resource.items.map((item) => item.name);
      const known = new Set(resource.items.map((item) => item.name));
      const unknown = items.filter((item) => !known.has(item));
      if (unknown.length > 0) throw meridianError('BAD_USER_INPUT', { what: `${unknown.join(', ')} are not items of ${resource.code}` });
      const overall = decideFor(ctx, resource.code, items);
      const pending = (await ctx.services.knex('applications')
        .where({ consumer_department: ctx.principal.onBehalfOf ?? ctx.principal.department, resource_code: resource.code, status: 'PENDING' })
        .first('id', 'due_by')) as { id: string; due_by: Date } | undefined;
      return {
        resource,
        allowed: overall.effect === 'allow',
        reason: overall.reason,
        action: actionOf(overall, pending),
        items: items.map((item) => {
          const decision = decideFor(ctx, resource.code, [item]);
          if (decision.effect === 'deny') {
            return { item, allowed: false, masked: false, grantId: null, reason: decision.reason, action: actionOf(decision, pending) };
          }
          const masked = decision.obligations.masks[item] !== undefined;
          return { item, allowed: true, masked, grantId: decision.obligations.grantId, reason: decision.reason, action: null };
        }),
      };
    },
  },
};
