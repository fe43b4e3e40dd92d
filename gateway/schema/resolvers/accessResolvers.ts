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

function actionOf(decision: Decision): string | null {
  return decision.effect === 'deny' ? (decision.action ?? describeError(decision.code).action) : null;
}

export const accessResolvers = {
  Query: {
    explainAccess(_: unknown, args: { resource: string; items?: string[] | null }, ctx: RequestContext) {
      const resource = ctx.catalog.visible.get(args.resource);
      if (!resource) throw meridianError('NOT_FOUND', { what: 'Resource', id: args.resource });
      const items = args.items && args.items.length > 0 ? args.items : resource.items.map((item) => item.name);
      const known = new Set(resource.items.map((item) => item.name));
      const unknown = items.filter((item) => !known.has(item));
      if (unknown.length > 0) throw meridianError('BAD_USER_INPUT', { what: `${unknown.join(', ')} are not items of ${resource.code}` });
      const overall = decideFor(ctx, resource.code, items);
      return {
        resource,
        allowed: overall.effect === 'allow',
        reason: overall.reason,
        action: actionOf(overall),
        items: items.map((item) => {
          const decision = decideFor(ctx, resource.code, [item]);
          if (decision.effect === 'deny') {
            return { item, allowed: false, masked: false, grantId: null, reason: decision.reason, action: actionOf(decision) };
          }
          const masked = decision.obligations.masks[item] !== undefined;
          return { item, allowed: true, masked, grantId: decision.obligations.grantId, reason: decision.reason, action: null };
        }),
      };
    },
  },
};
