/**
 * Federation: another Meridian (a city gateway asking its province) calls as a
 * principal with the GATEWAY role and names, in a header, the consumer
 * department it asks for. This gateway then decides and logs on behalf of
 * that department, by its own policies and grants.
 */
import { meridianError } from '../../common/errors.js';
import { ON_BEHALF_OF_HEADER, isCreditCode } from '../../common/identifiers.js';
import type { Principal } from '../../policies/index.js';

/**
 * The principal a request acts as: a GATEWAY key with the header acts for the
 * named department; the header from any other key, or a value that is not a
 * 统一社会信用代码, is refused rather than ignored.
 */
export function actingFor(principal: Principal, header: string | undefined): Principal {
  if (header === undefined || header === '') return principal;
  if (!principal.roles.includes('GATEWAY')) {
    throw meridianError('FORBIDDEN', { operation: `Asking on behalf of another department (${ON_BEHALF_OF_HEADER})`, roles: ['GATEWAY'] });
  }
  if (!isCreditCode(header)) {
    throw meridianError('BAD_USER_INPUT', { what: `${ON_BEHALF_OF_HEADER} must be a department's 统一社会信用代码` });
  }
  return { ...principal, onBehalfOf: header };
}
