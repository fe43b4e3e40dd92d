/**
 * How sources order wire values (see Condition in catalog/conditions.ts), as
 * the POSTGRES connector's database does with its text columns in the C
 * collation: strings by code point, DECIMAL exactly, DATETIME as instants.
 * Connectors that filter or order in the gateway (HTTP) or reason about
 * conditions before sending them (GATEWAY) compare with this one function so
 * that a resource answers alike whatever serves it.
 */
import type { ItemType } from '../catalog/model.js';

/** Orders two non-null wire values of one type: negative, zero or positive. */
export function compareValues(a: unknown, b: unknown, type: ItemType): number {
  switch (type) {
    case 'INTEGER':
    case 'FLOAT':
      return Math.sign((a as number) - (b as number));
    case 'DECIMAL':
    case 'MONEY':
      return compareDecimals(String(a), String(b));
    case 'DATETIME':
      return Math.sign(Date.parse(String(a)) - Date.parse(String(b)));
    case 'BOOLEAN':
      return Number(a) - Number(b);
    case 'BINARY':
      return Buffer.compare(Buffer.from(String(a), 'base64'), Buffer.from(String(b), 'base64'));
    case 'STRING':
    case 'TEXT':
    case 'DATE':
      return compareCodePoints(String(a), String(b));
  }
}

/**
 * Compares strings by code point, as PostgreSQL's C collation does. UTF-16
 * code units differ from code points only where a surrogate (a code point
 * above U+FFFF) meets a unit at U+E000 or above: the surrogate is greater.
 */
function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return Math.sign(a.length - b.length);
}

/** Compares decimal texts (`-12.50`) exactly, without passing through a float: "1.50" equals "1.5". */
function compareDecimals(a: string, b: string): number {
  const x = splitDecimal(a);
  const y = splitDecimal(b);
  if (x.negative !== y.negative) return x.negative ? -1 : 1;
  const magnitude = compareMagnitudes(x, y);
  return x.negative ? -magnitude : magnitude;
}

interface DecimalParts {
  readonly negative: boolean;
  /** Integer digits without leading zeros. */
  readonly whole: string;
  /** Fraction digits without trailing zeros. */
  readonly fraction: string;
}

function splitDecimal(text: string): DecimalParts {
  const negative = text.startsWith('-');
  const [integer = '', fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const whole = integer.replace(/^0+/, '');
  const trimmed = fraction.replace(/0+$/, '');
  // Negative zero is zero.
  return { negative: negative && (whole !== '' || trimmed !== ''), whole, fraction: trimmed };
}

function compareMagnitudes(x: DecimalParts, y: DecimalParts): number {
  if (x.whole.length !== y.whole.length) return x.whole.length < y.whole.length ? -1 : 1;
  if (x.whole !== y.whole) return x.whole < y.whole ? -1 : 1;
  const width = Math.max(x.fraction.length, y.fraction.length);
  const xf = x.fraction.padEnd(width, '0');
  const yf = y.fraction.padEnd(width, '0');
  return xf === yf ? 0 : xf < yf ? -1 : 1;
}
