import { startRegisterApi, type DepartmentApi } from '../../support/departmentApi.js';
import { freePort } from '../../support/processRunner.js';
import {
  SLOW_SOURCE_MS,
  conformanceContext,
  conformanceSettings,
  describeConformance,
  startRegistered,
  type ConformanceSource,
  type FailureKind,
  type SourceVariant,
} from './describeConformance.js';
import { DATASET_REGISTER, HTTP_BINDING, datasetResource } from './dataset.js';

const SECRET = 'deptToken';

/**
 * The dataset served by a department API (node:http on 127.0.0.1): some
 * filters applied by the API, the others by the connector, offset paging, a
 * by-keys endpoint. Failing variants get an API of their own.
 */
async function httpSource(): Promise<ConformanceSource> {
  const api = await startRegisterApi(DATASET_REGISTER);
  // Any port of 127.0.0.1: the failing variants run their own APIs.
  const context = conformanceContext(conformanceSettings({ 'connectors.httpAllowList': ['127.0.0.1'], 'connectors.secrets': { [SECRET]: api.token } }));
  const config = (baseUrl: string, extra: Record<string, unknown> = {}) => ({ baseUrl, auth: { kind: 'bearer', secret: SECRET }, ...extra });
  const connector = await startRegistered('conf-http', 'HTTP', config(api.baseUrl), context);
  const resource = datasetResource({ connector: 'conf-http', binding: HTTP_BINDING });

  /** A started connector to a new API that misbehaves as `failure` says once started. */
  const failing = async (failure: FailureKind): Promise<SourceVariant> => {
    if (failure === 'down') {
      const down = await startRegistered('conf-http-down', 'HTTP', config(`http://127.0.0.1:${await freePort()}/api/v1`), context);
      return { connector: down, resource, close: () => down.stop() };
    }
    const own: DepartmentApi = await startRegisterApi(DATASET_REGISTER, api.token);
    const started = await startRegistered(`conf-http-${failure}`, 'HTTP', config(own.baseUrl, { requestTimeoutMs: 300 }), context);
    // After the start check, which the API passes: only the reads meet the failure.
    own.use(failure === 'slow' ? { kind: 'slow', delayMs: 2 * SLOW_SOURCE_MS } : { kind: 'malformed', how: 'wrong-type', row: 3 });
    return {
      connector: started,
      resource,
      async close() {
        await started.stop();
        await own.close();
      },
    };
  };

  return {
    connector,
    resource,
    reads: async () => api.calls('list').length + api.calls('byKeys').length,
    async resetReads() {
      api.reset();
    },
    variant: failing,
    async close() {
      await connector.stop();
      await api.close();
    },
  };
}

describe('Connectors: conformance of a department HTTP API', () => {
  describeConformance('HTTP', httpSource);
});
