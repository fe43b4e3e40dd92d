import assert from 'node:assert/strict';
import { API_NAME_PATTERN, CLASSIFICATION_PATTERN, RESOURCE_CODE_PATTERN } from '../../common/identifiers.js';
import {
  CONNECTOR_ID_PATTERN,
  ITEM_TYPES,
  ITEM_TYPE_LETTERS,
  catalogSchemaProblems,
  catalogSchemas,
  toItemType,
} from '../../catalog/index.js';
import { departments, personInput } from './catalogFixtures.js';

type Schema = Record<string, unknown>;

/** Every subschema with its JSON pointer. */
function walk(schema: unknown, pointer: string, visit: (node: Schema, pointer: string) => void): void {
  if (schema === null || typeof schema !== 'object') return;
  if (Array.isArray(schema)) {
    schema.forEach((child, index) => walk(child, `${pointer}/${index}`, visit));
    return;
  }
  visit(schema as Schema, pointer);
  for (const [key, child] of Object.entries(schema)) {
    if (key !== 'enum') walk(child, `${pointer}/${key}`, visit);
  }
}

const resource = catalogSchemas.resource as {
  properties: Record<string, { pattern?: string }>;
  definitions: Record<string, { properties: Record<string, { pattern?: string; enum?: string[] }> }>;
};

describe('Catalog schemas: the published JSON Schemas', () => {
  it('use the identifier patterns of common/identifiers.ts', () => {
    assert.equal(resource.properties.code!.pattern, RESOURCE_CODE_PATTERN);
    assert.equal(resource.properties.classification!.pattern, CLASSIFICATION_PATTERN);
    assert.equal(resource.properties.apiName!.pattern, API_NAME_PATTERN);
    assert.equal(resource.definitions.item!.properties.name!.pattern, API_NAME_PATTERN);
    assert.equal(resource.definitions.reference!.properties.resource!.pattern, RESOURCE_CODE_PATTERN);
    assert.equal(resource.definitions.reference!.properties.item!.pattern, API_NAME_PATTERN);
    assert.equal(resource.definitions.reference!.properties.as!.pattern, API_NAME_PATTERN);
    assert.equal(resource.definitions.source!.properties.connector!.pattern, CONNECTOR_ID_PATTERN);
    const connector = catalogSchemas.connector as { properties: { id: { pattern: string } } };
    assert.equal(connector.properties.id.pattern, CONNECTOR_ID_PATTERN);
  });

  it('close every object to unknown fields, except the kind-specific config and binding', () => {
    const open: string[] = [];
    for (const [name, schema] of Object.entries(catalogSchemas)) {
      walk(schema, name, (node, pointer) => {
        const types = ([] as unknown[]).concat(node.type ?? []);
        if (types.includes('object') && node.additionalProperties !== false) open.push(pointer);
      });
    }
    assert.deepEqual(open, ['connector/properties/config', 'resource/definitions/source/properties/binding']);
  });

  it('accept every ItemType name and every letter code of the guide', () => {
    assert.deepEqual(resource.definitions.item!.properties.type!.enum, [...ITEM_TYPES, ...Object.keys(ITEM_TYPE_LETTERS)]);
    assert.deepEqual(
      Object.entries(ITEM_TYPE_LETTERS).map(([letter, type]) => `${letter}=${type}`),
      ['C=STRING', 'N=DECIMAL', 'Y=MONEY', 'D=DATE', 'T=DATETIME', 'L=BOOLEAN', 'M=TEXT', 'G=BINARY', 'B=BINARY', 'I=INTEGER', 'F=FLOAT'],
    );
    assert.equal(toItemType('Y'), 'MONEY');
    assert.equal(toItemType('DECIMAL'), 'DECIMAL');
  });

  it('accept explicit nulls for optional fields, as GraphQL sends them', () => {
    const input = {
      ...personInput({ code: null, grade: null, relatedResources: null, openCondition: null }),
      items: [{ name: 'idNumber', label: '身份号码', type: 'C', key: true, length: null, mask: null, references: null, shareType: null }],
    };
    assert.deepEqual(catalogSchemaProblems('resource', input), []);
  });

  it('check the department code as a 统一社会信用代码 and the region as 6-12 digits', () => {
    assert.deepEqual(catalogSchemaProblems('department', departments[1]), []);
    const problems = catalogSchemaProblems('department', { ...departments[1], code: '91350100M000100Y44', regionCode: '11000', parent: 'x' });
    assert.deepEqual(problems.map((p) => p.path), ['code', 'regionCode', 'parent']);
  });

  it('reach into every section of a catalog file with indexed paths', () => {
    const problems = catalogSchemaProblems('catalogFile', {
      departments: [departments[0]],
      resources: [personInput(), { ...personInput(), items: [...personInput().items, { name: 'x', label: '甲', type: 'Z' }] }],
      extra: true,
    });
    assert.deepEqual(problems.map((p) => p.path), ['extra', 'resources[1].items[5].type']);
  });
});
