import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import {
  buildASTSchema,
  buildClientSchema,
  findBreakingChanges,
  getIntrospectionQuery,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  type GraphQLField,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import { CONTROL_PLANE_TYPE_NAMES } from '../../catalog/reservedTypeNames.js';
import { buildDemoCatalog } from '../../demo/index.js';
import { describeEachDatabase } from '../support/databases.js';
import { graphql, onlyError, startDemoGateway, startTestGateway, type DemoGateway } from '../support/gatewayHarness.js';

const sharedContractUrl = new URL('../../../shared/contract.graphql', import.meta.url);
const vendoredContractUrl = new URL('../../gateway/schema/contract.graphql', import.meta.url);
const extensionsUrl = new URL('../../gateway/schema/extensions.graphql', import.meta.url);

/** The contract clients are written against: the shared file when this checkout sits beside it, else the vendored copy. */
function contractSdl(): string {
  return readFileSync(existsSync(sharedContractUrl) ? sharedContractUrl : vendoredContractUrl, 'utf8');
}

/** DESIGN.md, "GraphQL contract": the scalar of each item type, written out here so a change there fails a test. */
const SCALAR_OF_ITEM_TYPE: Readonly<Record<string, string>> = {
  STRING: 'String',
  TEXT: 'String',
  BINARY: 'String',
  INTEGER: 'Long',
  DECIMAL: 'Decimal',
  MONEY: 'Decimal',
  FLOAT: 'Float',
  DATE: 'Date',
  DATETIME: 'DateTime',
  BOOLEAN: 'Boolean',
};

const FILTER_OPERATORS: Readonly<Record<string, readonly string[]>> = {
  StringFilter: ['eq', 'in', 'prefix'],
  BooleanFilter: ['eq'],
};
const RANGE_OPERATORS = ['eq', 'in', 'gt', 'gte', 'lt', 'lte'];

interface CatalogResource {
  code: string;
  apiName: string;
  status: string;
  shareMethod: string;
  items: { name: string; type: string; filterable: boolean; key: boolean; references: { resource: { code: string }; item: string; field: string } | null }[];
}

async function introspect(url: string, key: string): Promise<GraphQLSchema> {
  const response = await graphql<IntrospectionQuery>(url, key, getIntrospectionQuery());
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  return buildClientSchema(response.data!);
}

function dataFields(schema: GraphQLSchema): Record<string, GraphQLField<unknown, unknown>> {
  const data = schema.getType('Data');
  assert.ok(isObjectType(data), 'Data is an object type');
  return data.getFields();
}

describe('Gateway contract: the files that define it', () => {
  it('vendors the shared contract unchanged', function () {
    if (!existsSync(sharedContractUrl)) this.skip();
    assert.equal(readFileSync(vendoredContractUrl, 'utf8'), readFileSync(sharedContractUrl, 'utf8'));
  });

  it('reserves exactly the type names of the contract and its extensions for the control plane', () => {
    const sdl = `${contractSdl()}\n${readFileSync(extensionsUrl, 'utf8')}`;
    const served = Object.keys(buildASTSchema(parse(sdl)).getTypeMap()).filter((name) => !name.startsWith('__'));
    assert.deepEqual([...CONTROL_PLANE_TYPE_NAMES].sort(), served.sort());
  });
});

describeEachDatabase('Gateway contract: the schema a client introspects', (get) => {
  let demo: DemoGateway;
  let schema: GraphQLSchema;
  let resources: CatalogResource[];

  before(async () => {
    demo = await startDemoGateway(get());
    schema = await introspect(demo.url, demo.keys.CONSUMER!);
    const listed = await graphql<{ catalog: { nodes: CatalogResource[] } }>(
      demo.url,
      demo.keys.CATALOG_ADMIN!,
      '{ catalog(first: 100) { nodes { code apiName status shareMethod items { name type filterable key references { resource { code } item field } } } } }',
    );
    assert.equal(listed.errors, undefined, JSON.stringify(listed.errors));
    resources = listed.data!.catalog.nodes;
  });
  after(async () => {
    await demo.close();
  });

  it('has no breaking change against the contract', () => {
    const changes = findBreakingChanges(buildASTSchema(parse(contractSdl())), schema);
    assert.deepEqual(changes, []);
  });

  it('offers a data field for every published INTERFACE resource and for nothing else', () => {
    const file = buildDemoCatalog();
    const published = file.resources.filter((r) => r.status === 'PUBLISHED' && r.shareMethod === 'INTERFACE').map((r) => r.apiName);
    const fileResource = file.resources.find((r) => r.shareMethod === 'FILE' && r.status === 'PUBLISHED');
    const draft = file.resources.find((r) => r.status === 'DRAFT' && r.shareMethod === 'INTERFACE');
    assert.ok(fileResource && draft, 'the demo has a published FILE resource and an INTERFACE draft');
    assert.ok(published.length >= 5, 'the demo publishes several interfaces');

    const fields = Object.keys(dataFields(schema)).filter((name) => name !== '_resources');
    assert.deepEqual(fields.sort(), [...published].sort());
    assert.ok(!fields.includes(fileResource.apiName), `${fileResource.apiName} (FILE) has no data field`);
    assert.ok(!fields.includes(draft.apiName), `${draft.apiName} (DRAFT) has no data field`);
  });

  it('names each resource type after its apiName in PascalCase, with nullable items of the design scalars', () => {
    for (const resource of resources.filter((r) => r.status === 'PUBLISHED' && r.shareMethod === 'INTERFACE')) {
      const typeName = resource.apiName[0]!.toUpperCase() + resource.apiName.slice(1);
      const field = dataFields(schema)[resource.apiName]!;
      assert.equal(getNamedType(field.type).name, `${typeName}Connection`);
      const object = schema.getType(typeName);
      assert.ok(isObjectType(object), `${typeName} is an object type`);
      const itemFields = object.getFields();
      const served = resources.filter((r) => r.status === 'PUBLISHED' && r.shareMethod === 'INTERFACE');
      const references = resource.items.filter((item) => item.references && served.some((r) => r.code === item.references!.resource.code));
      assert.deepEqual(
        Object.keys(itemFields).sort(),
        [...resource.items.map((item) => item.name), ...references.map((item) => item.references!.field)].sort(),
        typeName,
      );
      for (const item of resource.items) {
        const type = itemFields[item.name]!.type;
        assert.ok(!isNonNullType(type), `${typeName}.${item.name} is nullable (NULLs and REDACT masks)`);
        assert.equal(getNamedType(type).name, SCALAR_OF_ITEM_TYPE[item.type], `${typeName}.${item.name} (${item.type})`);
      }
      for (const item of references) {
        const related = served.find((r) => r.code === item.references!.resource.code)!;
        const type = itemFields[item.references!.field]!.type;
        const relatedKeys = related.items.filter((candidate) => candidate.key).map((candidate) => candidate.name);
        const single = relatedKeys.length === 1 && relatedKeys[0] === item.references!.item;
        assert.ok(!isNonNullType(type), `${typeName}.${item.references!.field} is nullable: a denied look-up nulls it`);
        assert.equal(isListType(type), !single, `${typeName}.${item.references!.field} is ${single ? 'one row' : 'a list'}`);
        assert.equal(getNamedType(type).name, related.apiName[0]!.toUpperCase() + related.apiName.slice(1));
      }
    }
  });

  it('offers in where exactly the filterable items, each with the filter of its scalar', () => {
    let checked = 0;
    for (const resource of resources.filter((r) => r.status === 'PUBLISHED' && r.shareMethod === 'INTERFACE')) {
      const field = dataFields(schema)[resource.apiName]!;
      const where = field.args.find((arg) => arg.name === 'where');
      const filterable = resource.items.filter((item) => item.filterable);
      if (filterable.length === 0) {
        assert.equal(where, undefined, `${resource.apiName} has no filterable item and no where`);
        continue;
      }
      const input = getNamedType(where!.type);
      assert.ok(isInputObjectType(input));
      const filters = input.getFields();
      assert.deepEqual(Object.keys(filters).sort(), filterable.map((item) => item.name).sort(), resource.apiName);
      for (const item of filterable) {
        const filter = getNamedType(filters[item.name]!.type);
        assert.equal(filter.name, `${SCALAR_OF_ITEM_TYPE[item.type]}Filter`);
        assert.ok(isInputObjectType(filter));
        assert.deepEqual(Object.keys(filter.getFields()).sort(), [...(FILTER_OPERATORS[filter.name] ?? RANGE_OPERATORS)].sort(), filter.name);
        checked += 1;
      }
    }
    assert.ok(checked > 5, 'the demo has filterable items');
  });

  it('pages every data field with first (default 20), after and an orderBy over the item names', () => {
    for (const resource of resources.filter((r) => r.status === 'PUBLISHED' && r.shareMethod === 'INTERFACE')) {
      const field = dataFields(schema)[resource.apiName]!;
      const first = field.args.find((arg) => arg.name === 'first');
      assert.equal(first?.defaultValue, 20, resource.apiName);
      assert.equal(getNamedType(field.args.find((arg) => arg.name === 'after')!.type).name, 'String');
      const orderBy = getNamedType(field.args.find((arg) => arg.name === 'orderBy')!.type);
      assert.ok(isInputObjectType(orderBy));
      const orderField = getNamedType(orderBy.getFields().field!.type);
      assert.ok(isEnumType(orderField));
      const orderable = resource.items.filter((item) => item.type !== 'BINARY').map((item) => item.name);
      assert.deepEqual(orderField.getValues().map((value) => value.name).sort(), orderable.sort());
    }
  });
});

describeEachDatabase('Gateway contract: introspection switched off', (get) => {
  it('refuses introspection when the operator turns it off, and still serves queries', async () => {
    const gateway = await startTestGateway(get(), { introspection: false, adminKey: 'a-very-long-admin-key-for-tests-000' });
    try {
      const refused = await graphql(gateway.url, 'a-very-long-admin-key-for-tests-000', '{ __schema { types { name } } }');
      assert.equal(refused.status, 400);
      assert.equal(onlyError(refused).extensions.code, 'GRAPHQL_VALIDATION_FAILED');
      const served = await graphql<{ me: { roles: string[] } }>(gateway.url, 'a-very-long-admin-key-for-tests-000', '{ me { roles } }');
      assert.equal(served.errors, undefined, JSON.stringify(served.errors));
      assert.deepEqual([...served.data!.me.roles].sort(), ['AUDITOR', 'CATALOG_ADMIN']);
    } finally {
      await gateway.close();
    }
  });
});
