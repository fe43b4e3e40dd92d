/**
 * What a PostgreSQL connector is configured with and how a resource binds to
 * one of its tables, as JSON Schemas, plus the binding checks a schema cannot
 * express (every item has a column, no column for an unknown item).
 */
import { resilienceSchema, type ResilienceOverrides } from '../resilienceSchema.js';
import type { Problem } from '../../common/errors.js';
import { joinPath } from '../../common/validation.js';

/** A PostgreSQL identifier as the binding may name it: unquoted-style, at most 63 bytes. */
export const IDENTIFIER_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,62}$';

const identifier = { type: 'string', pattern: IDENTIFIER_PATTERN } as const;

/** The connector's config, validated before use. */
export interface PostgresConfig {
  /** Schema of bound tables unless a binding names its own. */
  readonly schema?: string;
  /** The department's own server; absent means the gateway's own database. May hold a password: never show it. */
  readonly url?: string;
  readonly statementTimeoutMs?: number;
  readonly maxConnections?: number;
  readonly resilience?: ResilienceOverrides;
}

/** A resource's binding to one table (or view) of the source. */
export interface PostgresBinding {
  readonly table: string;
  readonly schema?: string;
  /** Item name to column name. */
  readonly columns: Readonly<Record<string, string>>;
}

/** JSON Schema of a PostgreSQL connector's config. */
export const postgresConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    schema: { ...identifier, default: 'public' },
    url: { type: 'string', pattern: '^postgres(ql)?://' },
    statementTimeoutMs: { type: 'integer', minimum: 1, maximum: 600000 },
    maxConnections: { type: 'integer', minimum: 1, maximum: 100 },
    resilience: resilienceSchema,
  },
} as const;

/** JSON Schema of a resource's binding to a PostgreSQL table. */
export const postgresBindingSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['table', 'columns'],
  properties: {
    table: identifier,
    schema: identifier,
    columns: { type: 'object', minProperties: 1, additionalProperties: identifier },
  },
} as const;

/** Problems of a binding beyond its schema: each item needs a column, and each column entry an item. */
export function postgresBindingProblems(binding: unknown, items: readonly { readonly name: string }[]): Problem[] {
  const columns = isRecord(binding) && isRecord(binding.columns) ? binding.columns : null;
  // A binding without a columns object is already reported by its schema.
  if (!columns) return [];
  const problems: Problem[] = [];
  const names = new Set(items.map((item) => item.name));
  for (const item of items) {
    if (!Object.hasOwn(columns, item.name)) {
      problems.push({ path: joinPath('columns', item.name), message: 'is required: every item is read from one column' });
    }
  }
  for (const name of Object.keys(columns)) {
    if (!names.has(name)) problems.push({ path: joinPath('columns', name), message: 'is not an item of the resource' });
  }
  return problems;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
