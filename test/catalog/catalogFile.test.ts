import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { isMeridianError, type Problem } from '../../common/errors.js';
import { cliActor } from '../../db/adminAudit.js';
import {
  exportCatalog,
  getResourceVersion,
  importCatalog,
  parseCatalogText,
  serializeCatalog,
  type CatalogFile,
  type ResourceInput,
} from '../../catalog/index.js';
import { createTestDatabase, describeEachDatabase } from '../support/databases.js';
import { CITY, CIVIL, POLICE, bindingFor, connectors, countCatalogRows, creditCode, departments, marriageInput, personInput } from './catalogFixtures.js';
import { testKinds } from './testSourceKinds.js';

const civilItems = marriageInput().items;

/** A complete catalog: children listed before parents, a referencing resource before the one it references. */
function fullFile(): CatalogFile {
  return {
    departments: [departments[1]!, departments[2]!, departments[0]!],
    connectors,
    resources: [
      { ...marriageInput({ code: '105002/000001' }), status: 'DEPRECATED' },
      { ...personInput({ code: '101001/000001' }), status: 'PUBLISHED' },
      marriageInput({
        classification: '101001',
        apiName: 'adoption',
        name: '收养登记信息',
        summary: '收养登记证信息',
        items: [{ ...civilItems[0]!, type: 'STRING' }, civilItems[1]!, { ...civilItems[2]!, type: 'DATE' }],
        relatedResources: ['105002/000001'],
      }),
    ],
  };
}

function problemsOf(error: unknown): Problem[] {
  assert.ok(isMeridianError(error), String(error));
  assert.equal(error.code, 'VALIDATION_FAILED');
  return error.extensions.problems as Problem[];
}

describe('Catalog files: reading JSON and YAML', () => {
  it('reads JSON and YAML by extension, and guesses without one', () => {
    const file = { departments: [departments[0]] };
    assert.deepEqual(parseCatalogText(JSON.stringify(file), 'catalog.json'), file);
    assert.deepEqual(parseCatalogText(serializeCatalog(file, 'yaml'), 'catalog.yml'), file);
    assert.deepEqual(parseCatalogText(serializeCatalog(file, 'yaml'), 'catalog'), file);
    assert.deepEqual(parseCatalogText(`\uFEFF${JSON.stringify(file)}`, 'catalog.txt'), file);
  });

  it('keeps code-like strings as strings through YAML', () => {
    const yaml = serializeCatalog({ departments: [{ ...departments[0]!, regionCode: '110000' }] }, 'yaml');
    assert.equal((parseCatalogText(yaml, 'c.yaml') as CatalogFile).departments![0]!.regionCode, '110000');
  });

  it('names the line of a JSON syntax error', () => {
    const text = '{\n  "departments": [\n    { "code": "x" }\n    { "code": "y" }\n  ]\n}\n';
    assert.throws(() => parseCatalogText(text, 'catalog.json'), (error: unknown) => {
      const [problem] = problemsOf(error);
      assert.equal(problem!.path, 'catalog.json:4:5');
      assert.match(problem!.message, /^line 4 is not valid JSON/);
      return true;
    });
  });

  it('names the line of a YAML syntax error, and of a duplicate key', () => {
    assert.throws(() => parseCatalogText('departments:\n  - code: x\n    name: [a, b\nconnectors: []\n', 'catalog.yaml'), (error: unknown) => {
      assert.match(problemsOf(error)[0]!.message, /^line \d+ is not valid YAML/);
      return true;
    });
    assert.throws(() => parseCatalogText('departments: []\ndepartments: []\n', 'catalog.yaml'), (error: unknown) => {
      const [problem] = problemsOf(error);
      assert.equal(problem!.path, 'catalog.yaml:2:1');
      assert.match(problem!.message, /Map keys must be unique/);
      return true;
    });
  });
});

describeEachDatabase('Catalog files: import and export', (get, kind) => {
  let knex: Knex;
  let firstExport: CatalogFile;
  before(() => {
    knex = get().db.knex;
  });

  it('refuses an invalid file with every problem listed and writes nothing', async () => {
    const file = fullFile();
    const bad = {
      departments: [departments[0], { ...departments[1], parent: creditCode(77) }, { ...departments[2], level: 'VILLAGE' }],
      connectors: [{ ...connectors[0], config: { url: 'http://police' } }, connectors[1]],
      resources: [
        file.resources![0],
        { ...file.resources![1], items: personInput().items.map((item, i) => (i === 2 ? { ...item, type: 'Q' } : item)) },
        { ...file.resources![2], apiName: 'marriage' },
        { ...(file.resources![2] as ResourceInput), apiName: 'orphan', provider: creditCode(78) },
      ],
    };
    const before = await countCatalogRows(knex);
    await assert.rejects(importCatalog(knex, bad, testKinds, cliActor), (error: unknown) => {
      assert.deepEqual(
        problemsOf(error).map((problem) => problem.path).sort(),
        [
          'connectors[0].config.url',
          'departments[1].parent',
          'departments[2].level',
          'resources[1].items[2].type',
          'resources[2].apiName',
          'resources[3].provider',
          'resources[3].source.connector',
        ],
      );
      return true;
    });
    assert.deepEqual(await countCatalogRows(knex), before);
  });

  it('imports a full file whatever the order of parents and references', async () => {
    const summary = await importCatalog(knex, fullFile(), testKinds, cliActor);
    assert.deepEqual(summary, {
      departments: { created: 3, updated: 0, unchanged: 0 },
      connectors: { created: 2, updated: 0, unchanged: 0 },
      resources: { created: 3, updated: 0, unchanged: 0 },
      published: 2,
      deprecated: 1,
      codes: ['105002/000001', '101001/000001', '101001/000002'],
    });
    const marriage = await getResourceVersion(knex, '105002/000001', 1);
    assert.deepEqual([marriage!.status, marriage!.deprecationReason], ['DEPRECATED', 'deprecated by catalog import']);
    const adoption = await getResourceVersion(knex, '101001/000002', 1);
    assert.deepEqual(adoption!.relatedResources, ['105002/000001', '101001/000001']);
    const audit = await knex('admin_audit').where({ action: 'catalog.import' }).select('details');
    assert.equal(audit.length, 1);
  });

  it('exports every default written out, types by name, statuses included', async () => {
    firstExport = await exportCatalog(knex);
    assert.deepEqual(firstExport.departments!.map((d) => d.code), [POLICE, CIVIL, CITY].sort());
    assert.equal(firstExport.departments!.find((d) => d.code === CITY)!.parent, null);
    assert.deepEqual(firstExport.connectors!.map((c) => [c.id, c.department]), [['civil-db', CIVIL], ['police-db', POLICE]]);
    assert.deepEqual(
      firstExport.resources!.map((r) => [r.code, r.status]),
      [['101001/000001', 'PUBLISHED'], ['101001/000002', 'DRAFT'], ['105002/000001', 'DEPRECATED']],
    );
    const person = firstExport.resources![0]!;
    assert.deepEqual(person.items[2], {
      name: 'birthDate',
      label: '出生日期',
      type: 'DATE',
      length: null,
      shareType: 'CONDITIONAL',
      sensitivity: 'PERSONAL',
      mask: { kind: 'REDACT' },
      filterable: false,
      key: false,
      references: null,
      description: null,
    });
    assert.equal(person.grade, 'GENERAL');
    assert.deepEqual(person.source, { connector: 'police-db', binding: bindingFor(personInput().items, 'person') });
  });

  it('leaves everything unchanged when its own export is imported, and exports the same again', async () => {
    const before = await countCatalogRows(knex);
    const summary = await importCatalog(knex, firstExport, testKinds, cliActor);
    assert.deepEqual(summary, {
      departments: { created: 0, updated: 0, unchanged: 3 },
      connectors: { created: 0, updated: 0, unchanged: 2 },
      resources: { created: 0, updated: 0, unchanged: 3 },
      published: 0,
      deprecated: 0,
      codes: ['101001/000001', '101001/000002', '105002/000001'],
    });
    const after = await countCatalogRows(knex);
    assert.deepEqual({ ...after, admin_audit: before.admin_audit }, before, 'no version, department or connector was written');
    assert.deepEqual(await exportCatalog(knex), firstExport);
  });

  it('round-trips the export through JSON and YAML text', () => {
    for (const format of ['json', 'yaml'] as const) {
      assert.deepEqual(parseCatalogText(serializeCatalog(firstExport, format), `catalog.${format}`), firstExport, format);
    }
  });

  it('rebuilds the same catalog from the export in an empty database', async () => {
    const other = await createTestDatabase(kind);
    try {
      const summary = await importCatalog(other.db.knex, firstExport, testKinds, cliActor);
      assert.deepEqual(summary.resources, { created: 3, updated: 0, unchanged: 0 });
      assert.deepEqual(await exportCatalog(other.db.knex), firstExport);
    } finally {
      await other.drop();
    }
  });

  it('makes a new version of a changed definition and publishes it over the old one', async () => {
    const file: CatalogFile = {
      ...firstExport,
      resources: firstExport.resources!.map((r) => (r.code === '101001/000001' ? { ...r, summary: '户籍人口基础信息（新增户籍地字段说明）' } : r)),
    };
    const summary = await importCatalog(knex, file, testKinds, cliActor);
    assert.deepEqual([summary.resources, summary.published, summary.deprecated], [{ created: 0, updated: 1, unchanged: 2 }, 1, 0]);
    const [v1, v2] = [await getResourceVersion(knex, '101001/000001', 1), await getResourceVersion(knex, '101001/000001', 2)];
    assert.deepEqual([v1!.status, v1!.deprecationReason, v2!.status], ['DEPRECATED', 'superseded by version 2', 'PUBLISHED']);
  });
});
