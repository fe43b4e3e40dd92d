/**
 * The custom scalars of the contract. Inputs are parsed to the wire form the
 * connectors and policies use (see catalog/conditions.ts); outputs are checked
 * so that a source value that does not fit is an error, never a silent change.
 */
import { GraphQLError, GraphQLScalarType, Kind, valueFromASTUntyped, type ValueNode } from 'graphql';
import { toWireValue } from '../../catalog/conditions.js';

function invalid(scalar: string, expected: string): GraphQLError {
  return new GraphQLError(`${scalar} must be ${expected}`);
}

function literalString(ast: ValueNode, scalar: string, expected: string): string {
  if (ast.kind !== Kind.STRING) throw invalid(scalar, expected);
  return ast.value;
}

/** ISO 8601 date-time with offset; inputs normalised to UTC `toISOString` form. */
export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  description: 'ISO 8601 date-time with offset.',
  serialize(value) {
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
    const wire = toWireValue(value, 'DATETIME');
    if (wire === undefined) throw invalid('DateTime', 'an ISO 8601 date-time');
    return wire;
  },
  parseValue(value) {
    const wire = toWireValue(value, 'DATETIME');
    if (wire === undefined) throw invalid('DateTime', 'an ISO 8601 date-time with offset, such as 2024-01-31T08:00:00+08:00');
    return wire;
  },
  parseLiteral(ast) {
    const expected = 'an ISO 8601 date-time with offset, such as 2024-01-31T08:00:00+08:00';
    const wire = toWireValue(literalString(ast, 'DateTime', expected), 'DATETIME');
    if (wire === undefined) throw invalid('DateTime', expected);
    return wire;
  },
});

/** ISO 8601 calendar date `YYYY-MM-DD`. */
export const DateScalar = new GraphQLScalarType({
  name: 'Date',
  description: 'ISO 8601 calendar date.',
  serialize(value) {
    const wire = toWireValue(value, 'DATE');
    if (wire === undefined) throw invalid('Date', 'a date YYYY-MM-DD');
    return wire;
  },
  parseValue(value) {
    const wire = toWireValue(value, 'DATE');
    if (wire === undefined) throw invalid('Date', 'a date YYYY-MM-DD');
    return wire;
  },
  parseLiteral(ast) {
    const wire = toWireValue(literalString(ast, 'Date', 'a date YYYY-MM-DD'), 'DATE');
    if (wire === undefined) throw invalid('Date', 'a date YYYY-MM-DD');
    return wire;
  },
});

/** Integer up to 2^53 - 1 as a JSON number. */
export const LongScalar = new GraphQLScalarType({
  name: 'Long',
  description: 'Integer up to 2^53 - 1, serialised as a JSON number.',
  serialize(value) {
    const n = typeof value === 'string' || typeof value === 'bigint' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw invalid('Long', 'an integer within ±(2^53 - 1)');
    return n;
  },
  parseValue(value) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalid('Long', 'an integer within ±(2^53 - 1)');
    return value;
  },
  parseLiteral(ast) {
    const n = ast.kind === Kind.INT ? Number(ast.value) : Number.NaN;
    if (!Number.isSafeInteger(n)) throw invalid('Long', 'an integer within ±(2^53 - 1)');
    return n;
  },
});

/** Exact decimal number as a string. */
export const DecimalScalar = new GraphQLScalarType({
  name: 'Decimal',
  description: 'Exact decimal number serialised as a string (DECIMAL and MONEY items).',
  serialize(value) {
    const wire = toWireValue(value, 'DECIMAL');
    if (wire === undefined) throw invalid('Decimal', 'a decimal number');
    return wire;
  },
  parseValue(value) {
    if (typeof value !== 'string') throw invalid('Decimal', 'a decimal number as a string, such as "1234.50"');
    const wire = toWireValue(value, 'DECIMAL');
    if (wire === undefined) throw invalid('Decimal', 'a decimal number as a string, such as "1234.50"');
    return wire;
  },
  parseLiteral(ast) {
    const raw = ast.kind === Kind.INT ? ast.value : literalString(ast, 'Decimal', 'a decimal number as a string, such as "1234.50"');
    const wire = toWireValue(raw, 'DECIMAL');
    if (wire === undefined) throw invalid('Decimal', 'a decimal number as a string, such as "1234.50"');
    return wire;
  },
});

/** Any JSON value; validated against a JSON Schema where it is used. */
export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'Any JSON value; always validated against a JSON Schema on the way in.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});

/** The scalars by name, for the resolver map. */
export const scalarResolvers = {
  DateTime: DateTimeScalar,
  Date: DateScalar,
  Long: LongScalar,
  Decimal: DecimalScalar,
  JSON: JSONScalar,
};
