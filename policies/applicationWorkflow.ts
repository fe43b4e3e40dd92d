/**
 * The rules of the application workflow (共享申请): what a consumer may apply
 * for, what a provider's approval may grant, which state changes are allowed.
 * Pure: the store in gateway/applications/ applies them inside transactions.
 */
import type { Problem } from '../common/errors.js';
import { parseRowScope } from '../catalog/conditions.js';
import type { ResourceDefinition } from '../catalog/model.js';

export type ApplicationStatus = 'PENDING' | 'APPROVED' | 'REJECTED' | 'WITHDRAWN' | 'REVOKED' | 'EXPIRED';

/** What a consumer asks for (ApplicationInput of the contract). */
export interface ApplicationRequest {
  readonly resource: string;
  readonly items: readonly string[];
  readonly purpose: string;
  readonly legalBasis: string;
  readonly contact: string;
  readonly wantedUntil?: string | null;
}

/** What a provider decides (DecisionInput of the contract). */
export interface ApplicationDecisionRequest {
  readonly decision: 'APPROVE' | 'REJECT';
  readonly reason?: string | null;
  readonly items?: readonly string[] | null;
  readonly rowScope?: Readonly<Record<string, unknown>> | null;
  readonly clearItems?: readonly string[] | null;
  readonly maxRowsPerDay?: number | null;
  readonly maxCallsPerMinute?: number | null;
  readonly validUntil?: string | null;
}

/** The terms of the grant an approval creates. */
export interface GrantTerms {
  readonly items: readonly string[];
  readonly rowScope: Readonly<Record<string, unknown>> | null;
  readonly clearItems: readonly string[];
  readonly maxRowsPerDay: number | null;
  readonly maxCallsPerMinute: number | null;
  readonly validUntil: Date | null;
}

const MAX_TEXT = 2000;

function text(value: string, path: string, problems: Problem[]): void {
  const trimmed = value.trim();
  if (!trimmed) problems.push({ path, message: 'must not be empty' });
  else if (trimmed.length > MAX_TEXT) problems.push({ path, message: `must be at most ${MAX_TEXT} characters` });
}

function future(value: string | null | undefined, now: Date, path: string, problems: Problem[]): Date | null {
  if (value === null || value === undefined) return null;
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) problems.push({ path, message: 'must be an ISO 8601 date-time' });
  else if (at.getTime() <= now.getTime()) problems.push({ path, message: 'must be in the future' });
  return at;
}

/**
 * Problems of an application for `resource` (its published version): the
 * items exist, are shared at all, and at least one needs a grant (a
 * conditional resource, or conditional items of an unconditional one).
 */
export function applicationProblems(resource: ResourceDefinition, request: ApplicationRequest, now: Date): Problem[] {
  const problems: Problem[] = [];
  if (resource.shareType === 'NOT_SHARED') {
    problems.push({ path: 'resource', message: `${resource.code} is not shared (不予共享): ${resource.shareCondition ?? ''}`.trim() });
    return problems;
  }
  const items = new Map(resource.items.map((item) => [item.name, item]));
  if (request.items.length === 0) problems.push({ path: 'items', message: 'must name at least one item' });
  const seen = new Set<string>();
  request.items.forEach((name, index) => {
    const item = items.get(name);
    const path = `items[${index}]`;
    if (seen.has(name)) problems.push({ path, message: `names ${name} twice` });
    seen.add(name);
    if (!item) problems.push({ path, message: `${name} is not an item of ${resource.code}` });
    else if (item.shareType === 'NOT_SHARED') problems.push({ path, message: `${name} is not shared (不予共享) at item level` });
  });
  const needsGrant =
    resource.shareType === 'CONDITIONAL' || request.items.some((name) => items.get(name)?.shareType === 'CONDITIONAL');
  if (request.items.length > 0 && !needsGrant && problems.length === 0) {
    problems.push({ path: 'items', message: `every item asked for is shared unconditionally (无条件共享): query them without applying` });
  }
  text(request.purpose, 'purpose', problems);
  text(request.legalBasis, 'legalBasis', problems);
  text(request.contact, 'contact', problems);
  future(request.wantedUntil, now, 'wantedUntil', problems);
  return problems;
}

/**
 * Checks a provider's decision on a pending application and, for an
 * approval, derives the grant's terms: the applied items unless narrowed
 * (never widened), a row scope on filterable items, clear items among the
 * granted ones, positive quotas, and a validity that ends in the future and
 * not after the applicant's wantedUntil (the default when none is given).
 */
export function decisionTerms(
  resource: ResourceDefinition,
  applied: { readonly items: readonly string[]; readonly wantedUntil: Date | null },
  request: ApplicationDecisionRequest,
  now: Date,
): { terms: GrantTerms | null; problems: Problem[] } {
  const problems: Problem[] = [];
  if (request.decision === 'REJECT') {
    if (!request.reason || !request.reason.trim()) problems.push({ path: 'reason', message: 'is required to reject: say why' });
    for (const field of ['items', 'rowScope', 'clearItems', 'maxRowsPerDay', 'maxCallsPerMinute', 'validUntil'] as const) {
      if (request[field] !== null && request[field] !== undefined) problems.push({ path: field, message: 'is only for approvals' });
    }
    return { terms: null, problems };
  }
  const items = request.items ?? applied.items;
  if (items.length === 0) problems.push({ path: 'items', message: 'must grant at least one item (reject instead)' });
  items.forEach((name, index) => {
    if (!applied.items.includes(name)) problems.push({ path: `items[${index}]`, message: `${name} was not applied for: an approval may narrow, never widen` });
  });
  const clearItems = request.clearItems ?? [];
  clearItems.forEach((name, index) => {
    if (!items.includes(name)) problems.push({ path: `clearItems[${index}]`, message: `${name} must be one of the granted items` });
  });
  const rowScope = request.rowScope ?? null;
  problems.push(...parseRowScope(rowScope, resource).problems);
  for (const quota of ['maxRowsPerDay', 'maxCallsPerMinute'] as const) {
    const value = request[quota];
    if (value !== null && value !== undefined && (!Number.isInteger(value) || value < 1)) {
      problems.push({ path: quota, message: 'must be a positive integer' });
    }
  }
  const given = future(request.validUntil, now, 'validUntil', problems);
  const validUntil = given ?? applied.wantedUntil;
  if (given && applied.wantedUntil && given.getTime() > applied.wantedUntil.getTime()) {
    problems.push({ path: 'validUntil', message: `must not be after the wanted ${applied.wantedUntil.toISOString()}` });
  }
  if (!given && validUntil && validUntil.getTime() <= now.getTime()) {
    problems.push({ path: 'validUntil', message: `is required: the access was wanted until ${validUntil.toISOString()}, which has passed` });
  }
  if (problems.length > 0) return { terms: null, problems };
  return {
    terms: {
      items: [...items],
      rowScope: rowScope && Object.keys(rowScope).length > 0 ? rowScope : null,
      clearItems: [...clearItems],
      maxRowsPerDay: request.maxRowsPerDay ?? null,
      maxCallsPerMinute: request.maxCallsPerMinute ?? null,
      validUntil,
    },
    problems,
  };
}

/**
 * The status a client sees: an approved application whose grant's validity
 * ended is EXPIRED (grants expire by themselves; nothing is written).
 */
export function effectiveStatus(
  stored: Exclude<ApplicationStatus, 'EXPIRED'>,
  grantValidUntil: Date | null,
  now: Date,
): ApplicationStatus {
  return stored === 'APPROVED' && grantValidUntil !== null && grantValidUntil.getTime() <= now.getTime() ? 'EXPIRED' : stored;
}
