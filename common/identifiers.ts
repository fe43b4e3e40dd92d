/**
 * National identifiers: 公民身份号码 (GB 11643) and 统一社会信用代码 (GB 32100).
 * Used as ajv formats to validate input and by the demo to generate valid data.
 */

const CITIZEN_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CITIZEN_CHECK = '10X98765432';

/** The check character of the first 17 digits of a 公民身份号码 (ISO 7064 MOD 11-2). */
export function citizenIdCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new TypeError('citizenIdCheckChar expects 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * CITIZEN_WEIGHTS[i]!;
  return CITIZEN_CHECK[sum % 11]!;
}

/** True for an 18-character 公民身份号码 with a real date of birth and the right check character. */
export function isCitizenId(value: string): boolean {
  if (!/^\d{17}[\dX]$/.test(value)) return false;
  const birth = value.slice(6, 14);
  if (!isCalendarDate(`${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6, 8)}`)) return false;
  return citizenIdCheckChar(value.slice(0, 17)) === value[17];
}

/** The 31 characters of 统一社会信用代码, in value order (no I, O, S, V, Z). */
export const CREDIT_CODE_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

/** The check character of the first 17 characters of a 统一社会信用代码 (GB 32100). */
export function creditCodeCheckChar(first17: string): string {
  if (first17.length !== 17) throw new TypeError('creditCodeCheckChar expects 17 characters');
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = CREDIT_CODE_CHARSET.indexOf(first17[i]!);
    if (v < 0) throw new TypeError(`creditCodeCheckChar: '${first17[i]}' is not a credit-code character`);
    sum += v * CREDIT_WEIGHTS[i]!;
  }
  const check = 31 - (sum % 31);
  return CREDIT_CODE_CHARSET[check === 31 ? 0 : check]!;
}

/** True for an 18-character 统一社会信用代码 with the right check character. */
export function isCreditCode(value: string): boolean {
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(value)) return false;
  return creditCodeCheckChar(value.slice(0, 17)) === value[17];
}

/** True for a real `YYYY-MM-DD` calendar date. */
export function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0-99 onto 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** 信息资源分类码: 类 (1 digit, 1-3) + 项 (2) + 目 (3) + optional 细目 digits. */
export const CLASSIFICATION_PATTERN = '^[1-3][0-9]{2}[0-9]{3}([0-9]{1,6})?$';

/** 信息资源代码: 分类码 + '/' + 6-digit 顺序码. */
export const RESOURCE_CODE_PATTERN = '^[1-3][0-9]{5}([0-9]{1,6})?/[0-9]{6}$';

/** Names that become GraphQL names (apiName, item names): a letter, then letters and digits. */
export const API_NAME_PATTERN = '^[a-z][A-Za-z0-9]*$';

/** Registers the identifier formats on an ajv instance. */
export function addIdentifierFormats(ajv: {
  addFormat(name: string, format: { type: 'string'; validate: (value: string) => boolean }): unknown;
}): void {
  ajv.addFormat('citizen-id', { type: 'string', validate: isCitizenId });
  ajv.addFormat('credit-code', { type: 'string', validate: isCreditCode });
}

/** The HTTP header in which a GATEWAY principal names the department it asks for: sent by the upstream connector, read by the gateway. */
export const ON_BEHALF_OF_HEADER = 'x-meridian-on-behalf-of';
