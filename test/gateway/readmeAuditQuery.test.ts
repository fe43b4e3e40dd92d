import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Gateway } from '../../gateway/createGateway.js';
import { describeEachDatabase } from '../support/databases.js';
import { graphql, startTestGateway } from '../support/gatewayHarness.js';
import { readmeQuery } from '../support/readmeQuery.js';

describeEachDatabase('README: the auditing example', (get) => {
  let gateway: Gateway;

  before(async () => {
    gateway = await startTestGateway(get(), { demo: true, dataDir: mkdtempSync(join(tmpdir(), 'meridian-readme-audit-')) });
  });
  after(async () => {
    await gateway.close();
  });

  it("answers the README's audit query for the demo's AUDITOR, with a whole ledger", async () => {
    const auditor = gateway.demoKeys.find((key) => key.role === 'AUDITOR')!.key;
    const response = await graphql<{ verifyLedger: { ok: boolean }; indicators: { variation: unknown[] } }>(gateway.url, auditor, readmeQuery('audit-query'));
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    assert.equal(response.data!.verifyLedger.ok, true);
    assert.ok(response.data!.indicators.variation.length > 0);
  });
});
