/**
 * The published JSON Schemas of catalog inputs (catalog/schemas/*.schema.json),
 * compiled once on one ajv instance so that the catalog file schema can refer
 * to the others by $id.
 */
import type { ValidateFunction } from 'ajv';
import type { Problem } from '../common/errors.js';
import { createAjv, toProblems } from '../common/validation.js';
import departmentSchema from './schemas/department.schema.json' with { type: 'json' };
import connectorSchema from './schemas/connector.schema.json' with { type: 'json' };
import resourceSchema from './schemas/resource.schema.json' with { type: 'json' };
import catalogFileSchema from './schemas/catalogFile.schema.json' with { type: 'json' };

/** Connector ids: lower-case letters, digits and dashes (the connector schema's pattern). */
export const CONNECTOR_ID_PATTERN = '^[a-z][a-z0-9-]{1,62}$';

/** The catalog schemas by name. */
export const catalogSchemas = Object.freeze({
  department: departmentSchema as object,
  connector: connectorSchema as object,
  resource: resourceSchema as object,
  catalogFile: catalogFileSchema as object,
});

export type CatalogSchemaName = keyof typeof catalogSchemas;

const ajv = createAjv();
ajv.addSchema(Object.values(catalogSchemas));

function compiled(name: CatalogSchemaName): ValidateFunction {
  const validate = ajv.getSchema(`${name}.schema.json`);
  if (!validate) throw new Error(`catalog schema ${name} is not registered under its $id`);
  return validate;
}

const validators: Readonly<Record<CatalogSchemaName, ValidateFunction>> = {
  department: compiled('department'),
  connector: compiled('connector'),
  resource: compiled('resource'),
  catalogFile: compiled('catalogFile'),
};

/** Every problem of `value` against the named catalog schema, with paths under `root`. */
export function catalogSchemaProblems(name: CatalogSchemaName, value: unknown, root = ''): Problem[] {
  const validate = validators[name];
  if (validate(value)) return [];
  return toProblems(validate.errors ?? [], root);
}
