import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { isMeridianError, type Problem } from '../../common/errors.js';
import { cliActor } from '../../db/adminAudit.js';
import { publishResource, registerResource, type ItemInput, type ResourceInput } from '../../catalog/index.js';
import { describeEachDatabase } from '../support/databases.js';
import { CIVIL, bindingFor, countCatalogRows, creditCode, personInput, seedDepartmentsAndConnectors } from './catalogFixtures.js';
import { testKinds } from './testSourceKinds.js';

/** A new resource (no code, its own apiName) like the person resource, its binding following its items. */
function candidate(overrides: Partial<ResourceInput> = {}): ResourceInput {
  const base = personInput({ apiName: 'candidate', ...overrides });
  return overrides.source ? base : { ...base, source: { connector: 'police-db', binding: bindingFor(base.items, 'candidate') } };
}

/** The person items with some of them changed (by index) and more appended. */
function itemsWith(patches: Record<number, Partial<ItemInput>>, extra: ItemInput[] = []): ItemInput[] {
  return [...personInput().items.map((item, index) => ({ ...item, ...patches[index] })), ...extra];
}

interface RuleCase {
  readonly rule: string;
  readonly input: () => ResourceInput | Record<string, unknown>;
  readonly path: string;
  readonly message: RegExp;
}

const cases: readonly RuleCase[] = [
  {
    rule: 'an item type that is neither an ItemType nor a letter code',
    input: () => candidate({ items: itemsWith({ 2: { type: 'X' } }) }),
    path: 'items[2].type',
    message: /must be one of STRING, TEXT/,
  },
  {
    rule: 'a CONDITIONAL resource without its shareCondition',
    input: () => candidate({ shareCondition: undefined }),
    path: 'shareCondition',
    message: /is required/,
  },
  {
    rule: 'a NOT_SHARED resource without the basis for not sharing',
    input: () => candidate({ shareType: 'NOT_SHARED', shareCondition: null }),
    path: 'shareCondition',
    message: /must be string/,
  },
  {
    rule: 'a PARTIAL mask without keepEnd',
    input: () => candidate({ items: itemsWith({ 0: { mask: { kind: 'PARTIAL', keepStart: 6 } } }) }),
    path: 'items[0].mask.keepEnd',
    message: /is required/,
  },
  {
    rule: 'an unknown field',
    input: () => ({ ...candidate(), owner: 'police' }),
    path: 'owner',
    message: /is not a known field/,
  },
  {
    rule: 'a classification that is not 类 + 项 + 目 digits',
    input: () => candidate({ classification: '10100' }),
    path: 'classification',
    message: /must match pattern/,
  },
  {
    rule: 'two items with one name',
    input: () => candidate({ items: itemsWith({ 3: { name: 'fullName' } }) }),
    path: 'items[3].name',
    message: /duplicates items\[1\]\.name/,
  },
  {
    rule: 'an item named null',
    input: () => candidate({ items: itemsWith({ 3: { name: 'null' } }) }),
    path: 'items[3].name',
    message: /must not be true, false or null/,
  },
  {
    rule: 'a reference field named true',
    input: () =>
      candidate({ items: itemsWith({ 3: { references: { resource: '101001/000001', item: 'idNumber', as: 'true' } } }) }),
    path: 'items[3].references.as',
    message: /must not be true, false or null/,
  },
  {
    rule: 'a reference field named like an item',
    input: () =>
      candidate({ items: itemsWith({ 3: { references: { resource: '101001/000001', item: 'idNumber', as: 'birthDate' } } }) }),
    path: 'items[3].references.as',
    message: /birthDate clashes with items\[2\]\.name/,
  },
  {
    rule: 'a default reference field (<item>Ref) taken by an item',
    input: () =>
      candidate({
        items: itemsWith({ 3: { references: { resource: '101001/000001', item: 'idNumber' } } }, [
          { name: 'regionCodeRef', label: '户籍地编号', type: 'C' },
        ]),
      }),
    path: 'items[3].references.as',
    message: /regionCodeRef clashes with items\[5\]\.name/,
  },
  {
    rule: 'no key item',
    input: () => candidate({ items: itemsWith({ 0: { key: false } }) }),
    path: 'items',
    message: /at least one key item/,
  },
  {
    rule: 'an item shared more loosely than its resource',
    input: () => candidate({ items: itemsWith({ 3: { shareType: 'UNCONDITIONAL' } }) }),
    path: 'items[3].shareType',
    message: /must not be looser than the resource's shareType CONDITIONAL/,
  },
  {
    rule: 'a PARTIAL mask on a DATE item',
    input: () => candidate({ items: itemsWith({ 2: { mask: { kind: 'PARTIAL', keepStart: 1, keepEnd: 1 } } }) }),
    path: 'items[2].mask.kind',
    message: /PARTIAL masks apply to STRING or TEXT items, not DATE/,
  },
  {
    rule: 'a HASH mask on a BINARY item',
    input: () => candidate({ items: itemsWith({ 4: { mask: { kind: 'HASH' } } }) }),
    path: 'items[4].mask.kind',
    message: /HASH masks apply to STRING or TEXT items, not BINARY/,
  },
  {
    rule: 'a GENERALIZE mask on an INTEGER item',
    input: () => candidate({ items: itemsWith({}, [{ name: 'age', label: '年龄', type: 'I', mask: { kind: 'GENERALIZE' } }]) }),
    path: 'items[5].mask.kind',
    message: /GENERALIZE masks apply to STRING or TEXT or DATE or DATETIME items, not INTEGER/,
  },
  {
    rule: 'keepStart on a mask that is not PARTIAL',
    input: () => candidate({ items: itemsWith({ 1: { mask: { kind: 'NAME', keepStart: 1 } } }) }),
    path: 'items[1].mask.keepStart',
    message: /is only used by PARTIAL masks/,
  },
  {
    rule: 'a filterable BINARY item',
    input: () => candidate({ items: itemsWith({ 4: { filterable: true } }) }),
    path: 'items[4].filterable',
    message: /BINARY items cannot be filtered/,
  },
  {
    rule: 'a BINARY key item',
    input: () => candidate({ items: itemsWith({ 4: { key: true } }) }),
    path: 'items[4].key',
    message: /BINARY items cannot be keys/,
  },
  {
    rule: 'a 基础信息资源 项 outside 01-05',
    input: () => candidate({ classification: '106001' }),
    path: 'classification',
    message: /项 06 does not exist in 类 1 \(基础信息资源\): use 01-05/,
  },
  {
    rule: 'a 主题信息资源 项 outside the 12 themes',
    input: () => candidate({ classification: '213001' }),
    path: 'classification',
    message: /项 13 does not exist in 类 2 \(主题信息资源\): use 01-12/,
  },
  {
    rule: 'a code whose prefix is not the classification',
    input: () => candidate({ code: '102001/000007' }),
    path: 'code',
    message: /must be the classification 101001 followed by \//,
  },
  {
    rule: 'a provider that is not a registered department',
    input: () => candidate({ provider: creditCode(99) }),
    path: 'provider',
    message: /is not a registered department/,
  },
  {
    rule: 'a connector that does not exist',
    input: () => candidate({ source: { connector: 'nowhere', binding: bindingFor(personInput().items, 'candidate') } }),
    path: 'source.connector',
    message: /is not a registered connector/,
  },
  {
    rule: "a connector of another department than the provider",
    input: () => candidate({ source: { connector: 'civil-db', binding: bindingFor(personInput().items, 'candidate') } }),
    path: 'source.connector',
    message: new RegExp(`belongs to department ${CIVIL}, not to the provider`),
  },
  {
    rule: "a binding the connector kind's schema refuses",
    input: () => candidate({ source: { connector: 'police-db', binding: { table: 'Person-Table', columns: {} } } }),
    path: 'source.binding.table',
    message: /must match pattern/,
  },
  {
    rule: 'a binding without a column for an item (bindingProblems)',
    input: () => {
      const binding = bindingFor(personInput().items, 'candidate');
      delete binding.columns.photo;
      return candidate({ source: { connector: 'police-db', binding } });
    },
    path: 'source.binding.columns',
    message: /has no column for item photo/,
  },
  {
    rule: 'a reference to a resource that does not exist',
    input: () => candidate({ items: itemsWith({ 3: { references: { resource: '101001/000099', item: 'idNumber' } } }) }),
    path: 'items[3].references.resource',
    message: /101001\/000099 is not a registered resource/,
  },
  {
    rule: 'a reference to an item that is not a key of the referenced resource',
    input: () => candidate({ items: itemsWith({ 3: { references: { resource: '101001/000001', item: 'fullName' } } }) }),
    path: 'items[3].references.item',
    message: /must be a key item of 101001\/000001 \(its key items: idNumber\)/,
  },
  {
    rule: 'a related resource that does not exist',
    input: () => candidate({ relatedResources: ['105002/000042'] }),
    path: 'relatedResources[0]',
    message: /105002\/000042 is not a registered resource/,
  },
  {
    rule: 'a new version that changes the apiName',
    input: () => personInput({ code: '101001/000001', apiName: 'people' }),
    path: 'apiName',
    message: /is fixed once registered: 101001\/000001 has apiName person/,
  },
  {
    rule: 'a new version that changes the provider',
    input: () =>
      personInput({ code: '101001/000001', provider: CIVIL, source: { connector: 'civil-db', binding: bindingFor(personInput().items, 'person') } }),
    path: 'provider',
    message: /is fixed once registered: 101001\/000001 is provided by/,
  },
  {
    rule: 'an apiName another code holds',
    input: () => personInput(),
    path: 'apiName',
    message: /is already used by resource 101001\/000001/,
  },
  {
    rule: 'an apiName whose type name the control plane uses',
    input: () => candidate({ apiName: 'application' }),
    path: 'apiName',
    message: /would name the data-plane type Application, which the control plane already uses/,
  },
  {
    rule: 'an apiName ending in a generated suffix',
    input: () => candidate({ apiName: 'personWhere' }),
    path: 'apiName',
    message: /must not end in Where/,
  },
  {
    rule: 'a status other than DRAFT at registration',
    input: () => candidate({ status: 'PUBLISHED' }),
    path: 'status',
    message: /must be DRAFT or absent/,
  },
];

describeEachDatabase('Catalog: resource definitions are refused with every problem and nothing written', (get) => {
  let knex: Knex;
  before(async () => {
    knex = get().db.knex;
    await seedDepartmentsAndConnectors(knex);
    const person = await registerResource(knex, personInput(), testKinds, cliActor);
    assert.equal(person.code, '101001/000001');
    await publishResource(knex, person.code, null, cliActor);
  });

  it('accepts the valid candidate every case below starts from', async () => {
    const stored = await registerResource(knex, candidate({ apiName: 'candidateControl' }), testKinds, cliActor);
    assert.equal(stored.status, 'DRAFT');
  });

  for (const { rule, input, path, message } of cases) {
    it(`refuses ${rule} at ${path}`, async () => {
      const before = await countCatalogRows(knex);
      await assert.rejects(registerResource(knex, input(), testKinds, cliActor), (error: unknown) => {
        assert.ok(isMeridianError(error), String(error));
        assert.equal(error.code, 'VALIDATION_FAILED');
        const problems = error.extensions.problems as Problem[];
        assert.ok(
          problems.some((problem) => problem.path === path && message.test(problem.message)),
          `expected ${path}: ${message}, got ${JSON.stringify(problems)}`,
        );
        return true;
      });
      assert.deepEqual(await countCatalogRows(knex), before);
    });
  }

  it('lists every problem of a definition at once', async () => {
    const input = candidate({
      classification: '213001',
      items: itemsWith({ 2: { mask: { kind: 'NAME' } }, 4: { key: true } }),
      relatedResources: ['101001/000077'],
    });
    await assert.rejects(registerResource(knex, input, testKinds, cliActor), (error: unknown) => {
      assert.ok(isMeridianError(error));
      const paths = (error.extensions.problems as Problem[]).map((problem) => problem.path).sort();
      assert.deepEqual(paths, ['classification', 'items[2].mask.kind', 'items[4].key', 'relatedResources[0]']);
      return true;
    });
  });
});
