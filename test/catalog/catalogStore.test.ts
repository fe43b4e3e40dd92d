import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { isMeridianError, type ErrorCode, type Problem } from '../../common/errors.js';
import { CHANGES_CHANNEL } from '../../db/changeNotifications.js';
import type { Actor } from '../../db/adminAudit.js';
import {
  deprecateResource,
  getResourceVersion,
  loadCatalogSnapshot,
  publishResource,
  registerConnector,
  registerDepartment,
  registerResource,
} from '../../catalog/index.js';
import { describeEachDatabase } from '../support/databases.js';
import {
  CITY,
  CIVIL,
  POLICE,
  countCatalogRows,
  creditCode,
  marriageInput,
  personInput,
  seedDepartmentsAndConnectors,
} from './catalogFixtures.js';
import { testKinds } from './testSourceKinds.js';

const admin: Actor = { keyId: 'key-admin', department: CITY, via: 'graphql' };

function rejectsWith(code: ErrorCode, pattern?: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(isMeridianError(error), String(error));
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}

function problemsOf(error: unknown): Problem[] {
  assert.ok(isMeridianError(error));
  return error.extensions.problems as Problem[];
}

async function auditRows(knex: Knex, target: string): Promise<{ action: string; actor_key_id: string | null; via: string; details: unknown }[]> {
  return knex('admin_audit').where({ target }).orderBy('id').select('action', 'actor_key_id', 'via', 'details');
}

describeEachDatabase('Catalog: departments and connectors', (get) => {
  let knex: Knex;
  before(async () => {
    knex = get().db.knex;
    await seedDepartmentsAndConnectors(knex);
  });

  it('updates a registered department and audits the change', async () => {
    const renamed = await registerDepartment(knex, { code: CIVIL, name: '示范市民政局（更名）', regionCode: '110000', level: 'MUNICIPAL', parent: CITY }, admin);
    assert.equal(renamed.name, '示范市民政局（更名）');
    const row = await knex('departments').where({ code: CIVIL }).first('name', 'parent_code');
    assert.deepEqual(row, { name: '示范市民政局（更名）', parent_code: CITY });
    const audit = await auditRows(knex, CIVIL);
    assert.deepEqual(audit.map((a) => [a.action, a.actor_key_id, a.via]), [
      ['department.register', null, 'cli'],
      ['department.register', 'key-admin', 'graphql'],
    ]);
  });

  it('refuses a department whose parent is not registered, or would be its own ancestor', async () => {
    const before = await countCatalogRows(knex);
    await assert.rejects(
      registerDepartment(knex, { code: creditCode(50), name: '未知上级的部门', regionCode: '110000', level: 'COUNTY', parent: creditCode(51) }, admin),
      (error: unknown) => {
        assert.deepEqual(problemsOf(error), [{ path: 'parent', message: `${creditCode(51)} is not a registered department` }]);
        return true;
      },
    );
    await assert.rejects(
      registerDepartment(knex, { code: CITY, name: '示范市人民政府', regionCode: '110000', level: 'MUNICIPAL', parent: POLICE }, admin),
      (error: unknown) => {
        assert.equal(problemsOf(error)[0]!.path, 'parent');
        assert.match(problemsOf(error)[0]!.message, /must not form a cycle/);
        return true;
      },
    );
    await assert.rejects(
      registerDepartment(knex, { code: 'not-a-credit-code', name: 'x', regionCode: '11', level: 'CITY' }, admin),
      (error: unknown) => {
        assert.deepEqual(problemsOf(error).map((p) => p.path).sort(), ['code', 'level', 'regionCode']);
        return true;
      },
    );
    assert.deepEqual(await countCatalogRows(knex), before);
  });

  it('replaces a connector config but never its kind or department', async () => {
    const updated = await registerConnector(
      knex,
      { id: 'police-db', kind: 'POSTGRES', department: POLICE, config: { url: 'postgres://police-2.example/db' } },
      testKinds,
      admin,
    );
    assert.deepEqual(updated.config, { url: 'postgres://police-2.example/db' });
    const row = await knex('connectors').where({ id: 'police-db' }).first('config');
    assert.deepEqual(row.config, { url: 'postgres://police-2.example/db' });
    await assert.rejects(
      registerConnector(knex, { id: 'police-db', kind: 'POSTGRES', department: CIVIL, config: { url: 'postgres://x/y' } }, testKinds, admin),
      rejectsWith('CONFLICT', /department is fixed once created/),
    );
    await assert.rejects(
      registerConnector(knex, { id: 'police-db', kind: 'HTTP', department: POLICE, config: { url: 'postgres://x/y' } }, new Map([...testKinds, ['HTTP', testKinds.get('POSTGRES')!]]), admin),
      rejectsWith('CONFLICT', /kind is fixed once created/),
    );
  });

  it("refuses a connector config its kind's schema rejects, a kind not offered, and an unknown department", async () => {
    const before = await countCatalogRows(knex);
    await assert.rejects(
      registerConnector(knex, { id: 'tax-db', kind: 'POSTGRES', department: creditCode(60), config: { url: 'mysql://tax' } }, testKinds, admin),
      (error: unknown) => {
        assert.deepEqual(problemsOf(error), [
          { path: 'config.url', message: 'must match pattern "^postgres(ql)?://"' },
          { path: 'department', message: `${creditCode(60)} is not a registered department` },
        ]);
        return true;
      },
    );
    await assert.rejects(
      registerConnector(knex, { id: 'tax-api', kind: 'HTTP', department: POLICE, config: {} }, testKinds, admin),
      (error: unknown) => {
        assert.deepEqual(problemsOf(error), [{ path: 'kind', message: 'is not offered by this gateway (offered: POSTGRES)' }]);
        return true;
      },
    );
    assert.deepEqual(await countCatalogRows(knex), before);
  });
});

describeEachDatabase('Catalog: resource registration and lifecycle', (get, kind) => {
  let knex: Knex;
  before(async () => {
    knex = get().db.knex;
    await seedDepartmentsAndConnectors(knex);
  });

  it('assigns the first code of a classification and fills every default', async () => {
    const person = await registerResource(knex, personInput(), testKinds, admin);
    assert.equal(person.code, '101001/000001');
    assert.equal(person.version, 1);
    assert.equal(person.status, 'DRAFT');
    assert.equal(person.publishedAt, null);
    assert.equal(person.grade, 'GENERAL');
    const [idNumber, fullName, birthDate, regionCode, photo] = person.items;
    assert.deepEqual(idNumber, {
      name: 'idNumber',
      label: '公民身份号码',
      type: 'STRING',
      length: 18,
      shareType: 'CONDITIONAL',
      sensitivity: 'SENSITIVE_PERSONAL',
      mask: { kind: 'PARTIAL', keepStart: 6, keepEnd: 4 },
      filterable: true,
      key: true,
      references: null,
      description: null,
    });
    assert.deepEqual(fullName!.mask, { kind: 'NAME' });
    assert.equal(birthDate!.type, 'DATE');
    assert.deepEqual(birthDate!.mask, { kind: 'REDACT' }, 'PERSONAL items without a mask are redacted');
    assert.deepEqual([regionCode!.sensitivity, regionCode!.mask, regionCode!.key, regionCode!.shareType], ['INTERNAL', { kind: 'NONE' }, false, 'CONDITIONAL']);
    assert.deepEqual([photo!.type, photo!.shareType, photo!.filterable], ['BINARY', 'NOT_SHARED', false]);
    const audit = await auditRows(knex, person.code);
    assert.deepEqual(audit.map((a) => a.action), ['resource.register']);
    assert.deepEqual(audit[0]!.details, { version: 1, apiName: 'person', created: true });
  });

  it('names the nested field <item>Ref and lists referenced resources as related', async () => {
    const marriage = await registerResource(knex, marriageInput({ relatedResources: null }), testKinds, admin);
    assert.equal(marriage.code, '105002/000001');
    assert.deepEqual(marriage.items[1]!.references, { resource: '101001/000001', item: 'idNumber', as: 'holderIdRef' });
    assert.deepEqual(marriage.relatedResources, ['101001/000001']);
  });

  it('keeps a given code and moves the sequence past it', async () => {
    const imported = await registerResource(knex, personInput({ code: '101001/000050', apiName: 'personArchive' }), testKinds, admin);
    assert.equal(imported.code, '101001/000050');
    const next = await registerResource(knex, personInput({ apiName: 'personTemporary' }), testKinds, admin);
    assert.equal(next.code, '101001/000051');
    const older = await registerResource(knex, personInput({ code: '101001/000020', apiName: 'personOld' }), testKinds, admin);
    assert.equal(older.code, '101001/000020');
    const after = await registerResource(knex, personInput({ apiName: 'personNext' }), testKinds, admin);
    assert.equal(after.code, '101001/000052', 'a lower imported code leaves the sequence where it was');
  });

  it('publishes the latest version and audits it', async () => {
    const published = await publishResource(knex, '101001/000001', null, admin);
    assert.equal(published.status, 'PUBLISHED');
    assert.equal(published.version, 1);
    assert.ok(published.publishedAt && !Number.isNaN(Date.parse(published.publishedAt)));
    const audit = await auditRows(knex, '101001/000001');
    assert.deepEqual(audit.at(-1), { action: 'resource.publish', actor_key_id: 'key-admin', via: 'graphql', details: { version: 1, superseded: null } });
  });

  it('treats publishing the published version as a no-op', async () => {
    const before = await countCatalogRows(knex);
    const first = await getResourceVersion(knex, '101001/000001', 1);
    const again = await publishResource(knex, '101001/000001', 1, admin);
    assert.deepEqual(again, first);
    assert.deepEqual(await countCatalogRows(knex), before);
  });

  it('registers a new DRAFT version without touching the published one', async () => {
    const published = await getResourceVersion(knex, '101001/000001', 1);
    const v2 = await registerResource(
      knex,
      personInput({ code: '101001/000001', name: '人口基础信息（第二版）', updateCycle: 'REALTIME' }),
      testKinds,
      admin,
    );
    assert.deepEqual([v2.code, v2.version, v2.status, v2.name], ['101001/000001', 2, 'DRAFT', '人口基础信息（第二版）']);
    assert.deepEqual(await getResourceVersion(knex, '101001/000001', 1), published);
    const snapshot = await loadCatalogSnapshot(knex);
    assert.equal(snapshot.visible.get('101001/000001')!.version, 1, 'consumers keep seeing the published version');
    assert.equal(snapshot.resources.get('101001/000001')!.version, 1, 'admins see the published version, too');
    assert.deepEqual(snapshot.versions.get('101001/000001'), [1, 2]);
  });

  it('supersedes the published version when a newer one is published', async () => {
    const v2 = await publishResource(knex, '101001/000001', 2, admin);
    assert.equal(v2.status, 'PUBLISHED');
    const v1 = await getResourceVersion(knex, '101001/000001', 1);
    assert.equal(v1!.status, 'DEPRECATED');
    assert.equal(v1!.deprecationReason, 'superseded by version 2');
    assert.ok(v1!.deprecatedAt);
    assert.equal(v1!.name, '人口基础信息', 'a superseded version keeps its definition');
    const audit = await auditRows(knex, '101001/000001');
    assert.deepEqual(audit.at(-1)!.details, { version: 2, superseded: 1 });
  });

  it('never publishes a deprecated version again', async () => {
    await assert.rejects(publishResource(knex, '101001/000001', 1, admin), rejectsWith('CONFLICT', /DEPRECATED and cannot be published again/));
  });

  it('deprecates the published version with its reason, once', async () => {
    await registerResource(knex, marriageInput({ code: '105002/000001' }), testKinds, admin);
    await publishResource(knex, '105002/000001', 2, admin);
    const deprecated = await deprecateResource(knex, '105002/000001', '婚姻登记改由省级平台提供', admin);
    assert.deepEqual([deprecated.version, deprecated.status, deprecated.deprecationReason], [2, 'DEPRECATED', '婚姻登记改由省级平台提供']);
    await assert.rejects(deprecateResource(knex, '105002/000001', '再次停用', admin), rejectsWith('CONFLICT', /has no published version/));
    await assert.rejects(deprecateResource(knex, '105002/000001', '  ', admin), rejectsWith('VALIDATION_FAILED'));
    const audit = await auditRows(knex, '105002/000001');
    assert.deepEqual(audit.at(-1)!.details, { version: 2, reason: '婚姻登记改由省级平台提供' });
  });

  it('answers NOT_FOUND for unknown codes and versions', async () => {
    await assert.rejects(publishResource(knex, '101001/000999', null, admin), rejectsWith('NOT_FOUND', /Resource 101001\/000999 does not exist/));
    await assert.rejects(publishResource(knex, '101001/000001', 9, admin), rejectsWith('NOT_FOUND', /Version 9 of resource 101001\/000001/));
    await assert.rejects(deprecateResource(knex, '101001/000999', '停用', admin), rejectsWith('NOT_FOUND'));
    assert.equal(await getResourceVersion(knex, '101001/000001', 9), null);
  });

  it('builds the admin, consumer and data-plane views of the snapshot', async () => {
    // A draft-only code, a published FILE resource, and a published one with a newer draft.
    const fileOnly = await registerResource(knex, personInput({ apiName: 'personFile', shareMethod: 'FILE' }), testKinds, admin);
    await publishResource(knex, fileOnly.code, null, admin);
    await registerResource(knex, personInput({ code: '101001/000001', name: '人口基础信息（第三版）' }), testKinds, admin);
    const snapshot = await loadCatalogSnapshot(knex);

    assert.equal(snapshot.resources.get('101001/000051')!.status, 'DRAFT');
    assert.equal(snapshot.visible.has('101001/000051'), false, 'drafts are hidden from consumers');
    assert.equal(snapshot.resources.get('105002/000001')!.status, 'DEPRECATED');
    assert.equal(snapshot.visible.get('105002/000001')!.version, 2, 'consumers see the latest deprecated version');
    assert.equal(snapshot.published.has('105002/000001'), false);
    assert.equal(snapshot.visible.get(fileOnly.code)!.status, 'PUBLISHED');
    assert.equal(snapshot.published.has(fileOnly.code), false, 'only INTERFACE resources get a data field');
    assert.deepEqual([...snapshot.published.keys()], ['101001/000001']);
    assert.equal(snapshot.published.get('101001/000001')!.version, 2);
    assert.equal(snapshot.resources.get('101001/000001')!.version, 2, 'the admin view prefers the published version to a newer draft');
    assert.deepEqual(snapshot.versions.get('101001/000001'), [1, 2, 3]);
    assert.deepEqual([...snapshot.departments.keys()].sort(), [POLICE, CIVIL, CITY].sort());
    assert.equal(snapshot.connectors.get('civil-db')!.department, CIVIL);
  });

  it('gives simultaneous first registrations of one classification different codes', async function () {
    const inputs = Array.from({ length: 8 }, (_, i) => marriageInput({ classification: '105003', apiName: `divorce${i}` }));
    const stored = await Promise.all(inputs.map((input) => registerResource(knex, input, testKinds, admin)));
    const codes = stored.map((resource) => resource.code).sort();
    assert.deepEqual(codes, Array.from({ length: 8 }, (_, i) => `105003/${String(i + 1).padStart(6, '0')}`));
    if (kind === 'postgres') {
      const sequence = await knex('code_sequences').where({ classification: '105003' }).first('last_value');
      assert.equal(sequence.last_value, 8);
    }
  });

  it('tells every gateway instance once a change commits', async () => {
    const heard: string[] = [];
    const unsubscribe = await get().db.listen(CHANGES_CHANNEL, (payload) => heard.push(payload));
    try {
      await registerResource(knex, personInput({ apiName: 'personNotified' }), testKinds, admin);
      for (let i = 0; i < 50 && heard.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(heard, ['catalog']);
    } finally {
      await unsubscribe();
    }
  });
});
