/**
 * The access decision of one data-plane exchange: a pure function of the
 * principal, the resource version, the items used, the department's grants
 * and the time. Deny by default; every denial names a catalog code.
 */
import type { ErrorCode } from '../common/errors.js';
import type { MaskRule, ResourceDefinition, ResourceItem, Role } from '../catalog/model.js';
import type { Decision, DecisionInput, Grant, Obligations, QuotaUsage } from './Decision.js';
import { chooseGrant, grantsOf, isActiveGrant, isExpiredGrant, latestEnded } from './grants.js';

/** Roles that may read the data plane. */
export const DATA_ROLES: readonly Role[] = ['CONSUMER', 'GATEWAY'];

/**
 * The one filter operator allowed on a masked item: eq tests one candidate per
 * call (a lookup such as 核验 by ID number), bounded by the grant's quotas. `in`
 * would test up to a thousand at once and find a generalised birth date or the
 * starred digits of an ID number by bisection; ranges, prefixes and ordering
 * reveal values directly.
 */
const MASK_SAFE_OPERATORS: readonly string[] = ['eq'];

/**
 * A downstream gateway asking on behalf of a department may also use `in` on
 * a masked item: that is how it batches its related-resource look-ups (the
 * values come from rows, not from its consumer), and it applies the eq-only
 * rule to its own consumers' filters before asking.
 */
const GATEWAY_MASK_SAFE_OPERATORS: readonly string[] = ['eq', 'in'];

function actsAsGateway(principal: DecisionInput['principal']): boolean {
  return principal.roles.includes('GATEWAY') && (principal.onBehalfOf ?? null) !== null;
}

/** Decides one exchange: allow with obligations, or deny with a code, a reason and what to do. */
export function decide(input: DecisionInput): Decision {
  const { decisionId, principal, resource, use, now } = input;
  const code = resource.code;
  const deny = (
    errorCode: ErrorCode,
    reason: string,
    action: string | null,
    params: Readonly<Record<string, unknown>>,
    extensions?: Readonly<Record<string, unknown>>,
  ): Decision => ({ effect: 'deny', decisionId, code: errorCode, reason, action, params, ...(extensions ? { extensions } : {}) });

  if (!principal.roles.some((role) => DATA_ROLES.includes(role))) {
    return deny(
      'FORBIDDEN',
      `Key ${principal.keyId} holds the roles ${listOrNone(principal.roles)}; reading data needs CONSUMER or GATEWAY`,
      'Use a key that holds the CONSUMER role (GATEWAY for an upstream Meridian), or ask a catalog administrator for one.',
      { operation: `data.${resource.apiName}`, roles: DATA_ROLES },
    );
  }

  if (resource.status !== 'PUBLISHED') {
    return deny(
      'NOT_FOUND',
      `Resource ${code} version ${resource.version} is ${resource.status.toLowerCase()}, not published, so it is not served`,
      'Search the catalog for a published resource that holds these items.',
      { what: 'Resource', id: code },
    );
  }

  if (resource.shareType === 'NOT_SHARED') {
    return deny(
      'NOT_SHARED',
      `Resource ${code} is not shared (不予共享) on the basis: ${resource.shareCondition ?? 'not stated'}`,
      null,
      { resource: code, basis: resource.shareCondition },
    );
  }

  const wanted = new Set([...use.selected, ...Object.keys(use.filtered), ...use.ordered]);
  const known = new Set(resource.items.map((item) => item.name));
  const unknown = [...wanted].filter((name) => !known.has(name));
  if (unknown.length > 0) {
    const what = `${unknown.join(', ')} ${plural(unknown, 'is not an item', 'are not items')} of resource ${code}`;
    return deny('BAD_USER_INPUT', what, `Ask only for items of ${code}; the catalog lists them.`, {
      what,
      items: unknown,
    });
  }
  const items = resource.items.filter((item) => wanted.has(item.name));
  const names = items.map((item) => item.name);

  const unshared = items.filter((item) => item.shareType === 'NOT_SHARED').map((item) => item.name);
  if (unshared.length > 0) {
    return deny(
      'ITEMS_NOT_GRANTED',
      `${plural(unshared, 'Item', 'Items')} ${unshared.join(', ')} of ${code} ${plural(unshared, 'is', 'are')} not shared (不予共享) at item level`,
      `Ask again without ${unshared.join(', ')}.`,
      { resource: code, items: unshared },
    );
  }

  const department = principal.onBehalfOf ?? principal.department;
  const own = grantsOf(input.grants, department, code);
  const active = own.filter((grant) => isActiveGrant(grant, now));
  // Every item of a conditional resource needs the grant; of an unconditional one, only its conditional items.
  const needed =
    resource.shareType === 'CONDITIONAL'
      ? names
      : items.filter((item) => item.shareType !== 'UNCONDITIONAL').map((item) => item.name);

  if (resource.shareType === 'CONDITIONAL' && active.length === 0) {
    const expired = latestEnded(own.filter((grant) => isExpiredGrant(grant, now)));
    if (expired?.validUntil) {
      const until = expired.validUntil.toISOString();
      return deny(
        'GRANT_EXPIRED',
        `Grant ${expired.id} of department ${department} for ${code} ended at ${until}, and no other grant is in force`,
        applyAction(code, names, 'Apply again'),
        { grantId: expired.id, resource: code, until },
      );
    }
    const pending = own.filter((grant) => grant.revokedAt === null && grant.validFrom.getTime() > now.getTime());
    const starts = pending.length > 0 ? earliestStart(pending) : null;
    const revoked = own.find((grant) => grant.revokedAt !== null);
    return deny(
      'APPLICATION_REQUIRED',
      `Resource ${code} is shared on condition (${resource.shareCondition ?? 'not stated'}) and department ${department} holds no grant in force for it` +
        (starts ? `; grant ${starts.id} takes effect at ${starts.validFrom.toISOString()}` : '') +
        (revoked ? `; grant ${revoked.id} was revoked at ${revoked.revokedAt!.toISOString()}` : ''),
      starts
        ? `Wait until ${starts.validFrom.toISOString()}, when grant ${starts.id} takes effect, or ${lowerFirst(applyAction(code, names, 'Apply'))}`
        : applyAction(code, names, 'Apply'),
      { resource: code, condition: resource.shareCondition },
    );
  }

  let grant: Grant | null = null;
  // A conditional resource is always read under a grant (its row scope and quota), even for no items.
  if (needed.length > 0 || resource.shareType === 'CONDITIONAL') {
    const choice = chooseGrant(active, needed);
    if (choice.missing.length > 0) {
      const missing = choice.missing;
      return deny(
        'ITEMS_NOT_GRANTED',
        choice.grant
          ? `Grant ${choice.grant.id} of department ${department} does not release ${missing.join(', ')} of ${code}, and no other grant in force releases every requested item`
          : `${plural(missing, 'Item', 'Items')} ${missing.join(', ')} of ${code} ${plural(missing, 'is', 'are')} shared on condition and department ${department} holds no grant in force for ${plural(missing, 'it', 'them')}`,
        `Ask without ${missing.join(', ')}, or ${lowerFirst(applyAction(code, missing, `Apply for ${missing.join(', ')}`))}`,
        { resource: code, items: missing, grantId: choice.grant?.id ?? null },
      );
    }
    grant = choice.grant;
  }

  const exhausted = grant && input.quotaUsage?.grantId === grant.id ? exhaustedQuota(grant, input.quotaUsage) : null;
  if (grant && exhausted) {
    return deny(
      'QUOTA_EXCEEDED',
      `Grant ${grant.id} of department ${department} allows ${exhausted.quota} for ${code}, and that is used up until ${exhausted.retryAfter.toISOString()}`,
      `Retry after ${exhausted.retryAfter.toISOString()}, or ask the provider department for a larger quota.`,
      { quota: exhausted.quota, grantId: grant.id },
      { retryAfter: exhausted.retryAfter.toISOString() },
    );
  }

  const masks = masksFor(items, grant);
  const safe = actsAsGateway(principal) ? GATEWAY_MASK_SAFE_OPERATORS : MASK_SAFE_OPERATORS;
  const revealing = names.filter(
    (name) =>
      Object.hasOwn(masks, name) &&
      (use.ordered.includes(name) ||
        (Object.hasOwn(use.filtered, name) && use.filtered[name]!.some((op) => !safe.includes(op)))),
  );
  if (revealing.length > 0) {
    return deny(
      'ITEMS_NOT_GRANTED',
      `${plural(revealing, 'Item', 'Items')} ${revealing.join(', ')} of ${code} ${plural(revealing, 'is', 'are')} masked for department ${department}; ` +
        'an in, range or prefix filter or an ordering on a masked item would reveal its values',
      `Filter ${revealing.join(', ')} only with eq and do not order by ${plural(revealing, 'it', 'them')}, ` +
        `or apply for ${plural(revealing, 'its', 'their')} release in clear with applyForAccess.`,
      { resource: code, items: revealing },
    );
  }

  const obligations: Obligations = {
    items: names,
    masks,
    rowScope: grant?.rowScope ?? null,
    grantId: grant?.id ?? null,
    quota: grant ? { maxRowsPerDay: grant.maxRowsPerDay, maxCallsPerMinute: grant.maxCallsPerMinute } : null,
  };
  return { effect: 'allow', decisionId, reason: allowReason(resource, department, grant, needed), obligations };
}

/** The first of the grant's quotas the usage has reached, with when it resets; null when there is room. */
function exhaustedQuota(grant: Grant, usage: QuotaUsage): { quota: string; retryAfter: Date } | null {
  if (grant.maxCallsPerMinute !== null && usage.callsThisMinute >= grant.maxCallsPerMinute) {
    return { quota: `${grant.maxCallsPerMinute} calls per minute`, retryAfter: usage.minuteEndsAt };
  }
  if (grant.maxRowsPerDay !== null && usage.rowsToday >= grant.maxRowsPerDay) {
    return { quota: `${grant.maxRowsPerDay} rows per day`, retryAfter: usage.dayEndsAt };
  }
  return null;
}

/** The masks of the returned items that the grant (if any) does not release in clear. */
function masksFor(items: readonly ResourceItem[], grant: Grant | null): Record<string, MaskRule> {
  const clear = new Set(grant?.clearItems ?? []);
  return Object.fromEntries(
    items.filter((item) => item.mask.kind !== 'NONE' && !clear.has(item.name)).map((item) => [item.name, item.mask]),
  );
}

function allowReason(resource: ResourceDefinition, department: string, grant: Grant | null, needed: readonly string[]): string {
  if (resource.shareType === 'CONDITIONAL') {
    return `Grant ${grant?.id} of department ${department} releases the requested items of ${resource.code}`;
  }
  if (grant) {
    return `Resource ${resource.code} is shared unconditionally (无条件共享); its conditional items ${needed.join(', ')} are released by grant ${grant.id} of department ${department}`;
  }
  return `Resource ${resource.code} is shared unconditionally (无条件共享) with every department`;
}

function applyAction(code: string, items: readonly string[], verb: string): string {
  return `${verb} with applyForAccess(input: {resource: "${code}", items: [${items.map((item) => `"${item}"`).join(', ')}], purpose, legalBasis, contact}).`;
}

function earliestStart(grants: readonly Grant[]): Grant {
  return grants.reduce((first, grant) =>
    grant.validFrom.getTime() < first.validFrom.getTime() ||
    (grant.validFrom.getTime() === first.validFrom.getTime() && grant.id < first.id)
      ? grant
      : first,
  );
}

function plural(list: readonly unknown[], one: string, many: string): string {
  return list.length === 1 ? one : many;
}

function listOrNone(list: readonly string[]): string {
  return list.length > 0 ? list.join(', ') : 'none';
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
