/** Role checks of the control plane (contract.graphql names the roles of each operation). */
import { meridianError } from '../../../common/errors.js';
import type { Role } from '../../../catalog/index.js';
import type { Principal } from '../../../policies/index.js';
import type { Actor } from '../../../db/index.js';

/** True when the principal holds any of `roles`. */
export function hasRole(principal: Principal, ...roles: Role[]): boolean {
  return roles.some((role) => principal.roles.includes(role));
}

/** Throws FORBIDDEN unless the principal holds one of `roles`. */
export function requireRole(principal: Principal, operation: string, ...roles: Role[]): void {
  if (!hasRole(principal, ...roles)) throw meridianError('FORBIDDEN', { operation, roles });
}

/** True for catalog admins, and for the provider department's own admins. */
export function administers(principal: Principal, providerDepartment: string): boolean {
  return hasRole(principal, 'CATALOG_ADMIN') || (hasRole(principal, 'PROVIDER_ADMIN') && principal.department === providerDepartment);
}

/** The audit-trail actor of a GraphQL caller. */
export function actorOf(principal: Principal): Actor {
  return { keyId: principal.keyId, department: principal.department, via: 'graphql' };
}

/** A GraphQL input object without explicit nulls (absent and null mean the same in Meridian's inputs). */
export function withoutNulls<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => withoutNulls(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) if (inner !== null && inner !== undefined) out[key] = withoutNulls(inner);
    return out as T;
  }
  return value;
}
