/**
 * Synthetic but valid 统一社会信用代码 (GB 32100) for the demo: the embedded
 * 组织机构代码 carries its own GB 11714 check character, as real codes do.
 */
import { creditCodeCheckChar } from '../common/identifiers.js';

const ORGANIZATION_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2] as const;

/**
 * The 统一社会信用代码 of `prefix` (登记管理部门 + 机构类别 + 6-digit 行政区划, 8 characters)
 * and `organizationBody` (the first 8 characters of the 组织机构代码, from CREDIT_CODE_CHARSET).
 */
export function syntheticCreditCode(prefix: string, organizationBody: string): string {
  const first17 = prefix + organizationBody + organizationCheckChar(organizationBody);
  return first17 + creditCodeCheckChar(first17);
}

/** GB 11714 check character: letters count 10-35, check = 11 - (sum mod 11), 10 is X and 11 is 0. */
function organizationCheckChar(body: string): string {
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += parseInt(body[i]!, 36) * ORGANIZATION_WEIGHTS[i]!;
  const check = 11 - (sum % 11);
  return check === 10 ? 'X' : check === 11 ? '0' : String(check);
}
