/**
 * Grant rules: which grants of a department count for a resource, which are
 * in force at a moment, and which one an exchange reads under.
 */
import type { Grant } from './Decision.js';

/** The grant an exchange would read under, and the needed items it does not release. */
export interface GrantChoice {
  readonly grant: Grant | null;
  readonly missing: readonly string[];
}

/** The grants held by `department` for the resource `resourceCode`; others never count. */
export function grantsOf(grants: readonly Grant[], department: string, resourceCode: string): Grant[] {
  return grants.filter((grant) => grant.consumerDepartment === department && grant.resourceCode === resourceCode);
}

/** True when the grant is in force at `now`: not revoked, started, not yet ended. */
export function isActiveGrant(grant: Grant, now: Date): boolean {
  const at = now.getTime();
  return (
    grant.revokedAt === null &&
    grant.validFrom.getTime() <= at &&
    (grant.validUntil === null || at < grant.validUntil.getTime())
  );
}

/** True when the grant ran out at or before `now` without being revoked. */
export function isExpiredGrant(grant: Grant, now: Date): boolean {
  return grant.revokedAt === null && grant.validUntil !== null && grant.validUntil.getTime() <= now.getTime();
}

/**
 * Chooses among active grants the one releasing most of `needed`; ties go to
 * the grant valid longest (no end beats any end), then to the smaller id, so
 * the choice never depends on the order grants were loaded in. When one grant
 * releases everything it is therefore the one chosen.
 */
export function chooseGrant(active: readonly Grant[], needed: readonly string[]): GrantChoice {
  let best: Grant | null = null;
  let bestCovered = -1;
  for (const grant of active) {
    const covered = needed.filter((item) => grant.items.includes(item)).length;
    if (best === null || covered > bestCovered || (covered === bestCovered && ranksBefore(grant, best))) {
      best = grant;
      bestCovered = covered;
    }
  }
  const missing = best === null ? [...needed] : needed.filter((item) => !best.items.includes(item));
  return { grant: best, missing };
}

/** The grant that ended last among `grants`, ties by id; null when there is none. */
export function latestEnded(grants: readonly Grant[]): Grant | null {
  let latest: Grant | null = null;
  for (const grant of grants) {
    if (latest === null || ranksBefore(grant, latest)) latest = grant;
  }
  return latest;
}

/** Orders by end of validity, latest (or open-ended) first, then by id ascending. */
function ranksBefore(a: Grant, b: Grant): boolean {
  const endA = a.validUntil === null ? Infinity : a.validUntil.getTime();
  const endB = b.validUntil === null ? Infinity : b.validUntil.getTime();
  if (endA !== endB) return endA > endB;
  return a.id < b.id;
}
