/**
 * A connector kind for catalog tests: a POSTGRES stand-in whose binding maps
 * items to the columns of one table. It checks metadata only; nothing is read.
 */
import type { Problem } from '../../common/errors.js';
import type { SourceKind, SourceKinds } from '../../catalog/index.js';

const IDENTIFIER = '^[a-z_][a-z0-9_]*$';

export const tableKind: SourceKind = {
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['url'],
    properties: {
      url: { type: 'string', pattern: '^postgres(ql)?://' },
      schema: { type: 'string', pattern: IDENTIFIER },
    },
  },
  bindingSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['table', 'columns'],
    properties: {
      table: { type: 'string', pattern: IDENTIFIER },
      columns: { type: 'object', additionalProperties: { type: 'string', pattern: IDENTIFIER } },
    },
  },
  bindingProblems(binding, items) {
    const columns = (binding as { columns: Record<string, string> }).columns;
    const problems: Problem[] = [];
    for (const item of items) {
      if (!(item.name in columns)) problems.push({ path: 'columns', message: `has no column for item ${item.name}` });
    }
    const names = new Set(items.map((item) => item.name));
    for (const name of Object.keys(columns)) {
      if (!names.has(name)) problems.push({ path: `columns.${name}`, message: 'is not an item of the resource' });
    }
    return problems;
  },
};

/** The kinds catalog tests register connectors of. */
export const testKinds: SourceKinds = new Map([['POSTGRES', tableKind]]);
