import type { Knex } from 'knex';
import type { CatalogFile, ResourceInput } from '../../../catalog/CatalogFile.js';
import { importCatalog } from '../../../catalog/importCatalog.js';
import { loadConfig } from '../../../common/config.js';
import { sourceKindsFor } from '../../../connectors/registry.js';
import { cliActor } from '../../../db/adminAudit.js';
import { syntheticCreditCode } from '../../../demo/syntheticCreditCode.js';
import { issueApiKey } from '../../../gateway/auth/apiKeys.js';
import { testDatabaseUrl } from '../../support/databases.js';
import { freePort } from '../../support/processRunner.js';
import { startUpstreamGateway, UPSTREAM_START_MS, type UpstreamGateway } from '../../support/upstreamGateway.js';
import { startUpstreamStub, type UpstreamStub } from '../../support/upstreamStub.js';
import {
  CONSUMER_DEPARTMENT,
  conformanceContext,
  conformanceSettings,
  describeConformance,
  startRegistered,
  type ConformanceSource,
  type FailureKind,
  type SourceVariant,
} from './describeConformance.js';
import {
  DATASET_API_NAME,
  DATASET_CODE,
  DATASET_COLUMNS,
  DATASET_SCHEMA,
  DATASET_TABLE,
  SLOW_VIEW,
  createDatasetTable,
  datasetItemInputs,
  datasetResource,
} from './dataset.js';

const PROVIDER = syntheticCreditCode('11330000', '00290010');
/** The department whose gateway asks the upstream: it holds the GATEWAY key there. */
const DOWNSTREAM = syntheticCreditCode('11330100', '00290020');
const SECRET = 'UPSTREAM_KEY';
const SLOW_API_NAME = 'slowSamples';

/** The upstream's catalog: the dataset published as an unconditional resource without masks, and a slow twin. */
function upstreamCatalog(): CatalogFile {
  const resource = (code: string, apiName: string, table: string): ResourceInput => ({
    code,
    status: 'PUBLISHED',
    classification: code.slice(0, 6),
    apiName,
    name: `一致性测试样本 ${apiName}`,
    summary: '连接器一致性测试用样本数据，无条件共享，不脱敏。',
    provider: PROVIDER,
    format: 'DATABASE',
    items: datasetItemInputs(),
    shareType: 'UNCONDITIONAL',
    shareMethod: 'INTERFACE',
    openToPublic: false,
    updateCycle: 'DAILY',
    source: { connector: 'conf-db', binding: { table, columns: { ...DATASET_COLUMNS } } },
  });
  return {
    departments: [
      { code: PROVIDER, name: '样本数据提供部门', regionCode: '330000', level: 'PROVINCIAL' },
      { code: DOWNSTREAM, name: '样本数据交换平台（市级）', regionCode: '330100', level: 'MUNICIPAL' },
      { code: CONSUMER_DEPARTMENT, name: '样本数据使用部门', regionCode: '330100', level: 'MUNICIPAL' },
    ],
    connectors: [{ id: 'conf-db', kind: 'POSTGRES', department: PROVIDER, config: { schema: DATASET_SCHEMA } }],
    resources: [resource(DATASET_CODE, DATASET_API_NAME, DATASET_TABLE), resource('101001/000902', SLOW_API_NAME, SLOW_VIEW)],
  };
}

/** A page of the stub upstream whose node does not fit the items: a number for the key. */
const MISFIT_PAGE = {
  status: 200,
  body: { data: { data: { [DATASET_API_NAME]: { nodes: [{ code: 17 }], pageInfo: { hasNextPage: false, endCursor: 'c1' } } } } },
};

/**
 * The dataset published by a second gateway process on a fresh PostgreSQL
 * database, read by the GATEWAY connector with a GATEWAY key on behalf of a
 * department. The upstream's ledger counts its reads.
 */
async function gatewaySource(): Promise<ConformanceSource> {
  let key = '';
  const upstream: UpstreamGateway = await startUpstreamGateway({
    demo: false,
    async prepare(knex: Knex) {
      await createDatasetTable(knex);
      await importCatalog(knex, upstreamCatalog(), sourceKindsFor(loadConfig({}).connectors), cliActor);
      key = (await issueApiKey(knex, { department: DOWNSTREAM, roles: ['GATEWAY'], label: 'conformance downstream' }, cliActor, { now: new Date() })).key;
    },
  });
  const stubs: UpstreamStub[] = [];
  try {
    // Any port of 127.0.0.1: the failing variants call their own addresses.
    const context = conformanceContext(conformanceSettings({ 'connectors.httpAllowList': ['127.0.0.1'], 'connectors.secrets': { [SECRET]: key } }));
    const config = (url: string, extra: Record<string, unknown> = {}) => ({ url, auth: { secret: SECRET }, ...extra });
    const connector = await startRegistered('conf-upstream', 'GATEWAY', config(upstream.url), context);
    const resource = datasetResource({ connector: 'conf-upstream', binding: { apiName: DATASET_API_NAME } });
    const exchanges = async (): Promise<number> => {
      const [row] = await upstream.knex('ledger_records').where({ resource_code: DATASET_CODE }).count<{ count: string | number }[]>({ count: '*' });
      return Number(row!.count);
    };
    let baseline = await exchanges();

    const failing = async (failure: FailureKind): Promise<Omit<SourceVariant, 'close'>> => {
      switch (failure) {
        case 'slow':
          // The upstream's own source sleeps; the connector gives up first.
          return {
            connector: await startRegistered('conf-upstream-slow', 'GATEWAY', config(upstream.url, { requestTimeoutMs: 300 }), context),
            resource: datasetResource({ connector: 'conf-upstream-slow', binding: { apiName: SLOW_API_NAME } }),
          };
        case 'down':
          return {
            connector: await startRegistered('conf-upstream-down', 'GATEWAY', config(`http://127.0.0.1:${await freePort()}/graphql`), context),
            resource,
          };
        case 'malformed': {
          const stub = await startUpstreamStub();
          stubs.push(stub);
          stub.script({ status: 200, body: { data: { me: { keyId: 'k1', roles: ['GATEWAY'] } } } }, MISFIT_PAGE);
          return { connector: await startRegistered('conf-upstream-misfit', 'GATEWAY', config(stub.url), context), resource };
        }
      }
    };

    return {
      connector,
      resource,
      reads: async () => (await exchanges()) - baseline,
      async resetReads() {
        baseline = await exchanges();
      },
      async variant(failure) {
        const { connector: running, resource: bound } = await failing(failure);
        return { connector: running, resource: bound, close: () => running.stop() };
      },
      async close() {
        await connector.stop();
        for (const stub of stubs) await stub.close();
        await upstream.close();
      },
    };
  } catch (error) {
    await upstream.close();
    throw error;
  }
}

(testDatabaseUrl ? describe : describe.skip)(
  `Connectors: conformance of an upstream gateway${testDatabaseUrl ? '' : ' (skipped: set TEST_DATABASE_URL to a PostgreSQL server to run)'}`,
  () => {
    describeConformance('GATEWAY', gatewaySource, { setupTimeoutMs: UPSTREAM_START_MS });
  },
);
