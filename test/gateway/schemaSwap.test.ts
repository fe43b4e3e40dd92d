import assert from 'node:assert/strict';
import { describeEachDatabase } from '../support/databases.js';
import { graphql, startDemoGateway, type DemoGateway, type GraphQLResponse } from '../support/gatewayHarness.js';
import { buildDemoCatalog, demoDepartmentCode } from '../../demo/index.js';
import { exportCatalog } from '../../catalog/index.js';

const AMR = demoDepartmentCode(buildDemoCatalog(), 'amr');

/** A new resource over the demo's enterprise table: a directory of names only. */
const directoryInput = {
  classification: '102001',
  apiName: 'enterpriseDirectory',
  name: '企业名录',
  summary: '企业统一社会信用代码与名称，供各部门核对企业身份。',
  provider: AMR,
  format: 'SERVICE_INTERFACE',
  shareType: 'UNCONDITIONAL',
  shareMethod: 'INTERFACE',
  openToPublic: false,
  updateCycle: 'DAILY',
  items: [
    { name: 'creditCode', label: '统一社会信用代码', type: 'C', length: 18, key: true, filterable: true, sensitivity: 'PUBLIC' },
    { name: 'name', label: '企业名称', type: 'C', length: 100, sensitivity: 'PUBLIC' },
  ],
  source: { connector: 'amr-db', binding: { table: 'enterprises', columns: { creditCode: 'credit_code', name: 'name' } } },
};

describeEachDatabase('Gateway: the live schema follows the catalog', (get) => {
  let demoGateway: DemoGateway;

  before(async () => {
    demoGateway = await startDemoGateway(get());
  });
  after(async () => {
    await demoGateway.close();
  });

  it('publishes and deprecates resources during a stream of queries without failing one request', async () => {
    const consumer = demoGateway.keys.CONSUMER!;
    const admin = demoGateway.keys.CATALOG_ADMIN!;
    let streaming = true;
    const failures: GraphQLResponse[] = [];
    let completed = 0;
    const stream = async () => {
      while (streaming) {
        const response = await graphql(demoGateway.url, consumer, '{ data { enterprises(first: 20) { nodes { creditCode name status } } } }');
        if (response.status !== 200 || response.errors) failures.push(response);
        completed += 1;
      }
    };
    const workers = Array.from({ length: 4 }, stream);

    const registered = await graphql<{ registerResource: { code: string; status: string } }>(
      demoGateway.url,
      admin,
      'mutation($input: ResourceInput!) { registerResource(input: $input) { code status } }',
      { input: directoryInput },
    );
    assert.equal(registered.errors, undefined, JSON.stringify(registered.errors));
    const code = registered.data!.registerResource.code;
    assert.equal(registered.data!.registerResource.status, 'DRAFT');

    const before = await graphql(demoGateway.url, consumer, '{ data { enterpriseDirectory(first: 1) { nodes { name } } } }');
    assert.equal(before.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED', 'a draft has no data field');

    const published = await graphql(demoGateway.url, admin, 'mutation($code: ID!) { publishResource(code: $code) { status publishedAt } }', { code });
    assert.equal(published.errors, undefined, JSON.stringify(published.errors));
    // The answer to publishResource comes after this instance swapped its schema: the field answers at once.
    const served = await graphql<{ data: { enterpriseDirectory: { nodes: { name: string }[] } } }>(
      demoGateway.url,
      consumer,
      '{ data { enterpriseDirectory(first: 3) { nodes { creditCode name } } } }',
    );
    assert.equal(served.errors, undefined, JSON.stringify(served.errors));
    assert.equal(served.data!.data.enterpriseDirectory.nodes.length, 3);

    // A new version of the resource the stream is querying is registered and published.
    const current = (await exportCatalog(get().db.knex)).resources!.find((r) => r.code === '102001/000001')!;
    const { status: _status, ...input } = current;
    const reRegistered = await graphql<{ registerResource: { version: number } }>(
      demoGateway.url,
      admin,
      'mutation($input: ResourceInput!) { registerResource(input: $input) { version } }',
      { input: { ...input, summary: `${input.summary}（第二版）` } },
    );
    assert.equal(reRegistered.errors, undefined, JSON.stringify(reRegistered.errors));
    assert.equal(reRegistered.data!.registerResource.version, 2);
    const republished = await graphql(demoGateway.url, admin, 'mutation { publishResource(code: "102001/000001") { version status } }');
    assert.deepEqual(republished.data, { publishResource: { version: 2, status: 'PUBLISHED' } });

    const deprecated = await graphql(
      demoGateway.url,
      admin,
      'mutation($code: ID!) { deprecateResource(code: $code, reason: "并入企业登记信息") { status deprecationReason } }',
      { code },
    );
    assert.equal(deprecated.errors, undefined, JSON.stringify(deprecated.errors));
    const gone = await graphql(demoGateway.url, consumer, '{ data { enterpriseDirectory(first: 1) { nodes { name } } } }');
    assert.equal(gone.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED', 'a deprecated resource has no data field');

    // Let the stream run over at least a few more swaps' worth of time, then stop it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    streaming = false;
    await Promise.all(workers);
    assert.ok(completed > 10, `the stream ran (${completed} requests)`);
    assert.deepEqual(failures, [], 'no request of the stream failed');
  });
});
