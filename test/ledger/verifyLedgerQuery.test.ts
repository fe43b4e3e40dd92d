import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { cliActor } from '../../db/index.js';
import { issueApiKey } from '../../gateway/auth/apiKeys.js';
import type { Gateway } from '../../gateway/createGateway.js';
import type { ChainReport } from '../../ledger/index.js';
import { describeEachDatabase } from '../support/databases.js';
import { graphql, onlyError, startTestGateway } from '../support/gatewayHarness.js';
import { hourly, recordAt, writeChain } from './ledgerChains.js';

interface Verification {
  verifyLedger: { ok: boolean; checkedAt: string; writers: ChainReport[] };
}

const ADMIN_KEY = 'ledger-auditor-key-0123456789abcdef';
const QUERY = `query($from: DateTime, $to: DateTime) {
  verifyLedger(from: $from, to: $to) { ok checkedAt writers { writer records ok firstBadSeq problem lastCheckpointSeq } }
}`;

describeEachDatabase('Ledger: verifyLedger for auditors', (get) => {
  let gateway: Gateway;
  const knex = (): Knex => get().db.knex;

  before(async () => {
    gateway = await startTestGateway(get(), { adminKey: ADMIN_KEY });
    await writeChain(knex(), 'audited', 24, { record: hourly });
  });
  after(async () => {
    await gateway?.close();
  });

  async function verify(variables: Record<string, unknown> = {}): Promise<Verification['verifyLedger']> {
    const response = await graphql<Verification>(gateway.url, ADMIN_KEY, QUERY, variables);
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    return response.data!.verifyLedger;
  }

  it("reports every writer's chain with its last checkpoint, the gateway's own included", async () => {
    const verification = await verify();
    assert.equal(verification.ok, true);
    assert.ok(!Number.isNaN(Date.parse(verification.checkedAt)));
    assert.deepEqual(
      verification.writers.find((report) => report.writer === 'audited'),
      { writer: 'audited', records: 24, ok: true, firstBadSeq: null, problem: null, lastCheckpointSeq: 24 },
    );
    assert.ok(verification.writers.some((report) => report.writer === gateway.services.ledger.writerId));
  });

  it('locates a break, and leaves a window before it whole', async () => {
    await recordAt(knex(), 'audited', 15).update({ outcome: 'DENIED' });
    const whole = await verify();
    assert.equal(whole.ok, false);
    const report = whole.writers.find((r) => r.writer === 'audited')!;
    assert.equal(report.firstBadSeq, 15);
    assert.match(report.problem ?? '', /^edited: record 15 was altered/);

    const before = await verify({ from: hourly(2).at, to: hourly(10).at });
    assert.equal(before.ok, true);
    assert.equal(before.writers.find((r) => r.writer === 'audited')?.records, 8);
  });

  it('refuses a window that ends before it starts, and callers without the AUDITOR role', async () => {
    const reversed = await graphql(gateway.url, ADMIN_KEY, QUERY, { from: hourly(9).at, to: hourly(1).at });
    assert.equal(onlyError(reversed).extensions.code, 'BAD_USER_INPUT');

    const { key } = await issueApiKey(
      knex(),
      { department: gateway.services.config.operator.code, roles: ['CONSUMER'], label: 'not an auditor' },
      cliActor,
      { now: new Date() },
    );
    await gateway.services.state.refresh('keys');
    assert.equal(onlyError(await graphql(gateway.url, key, QUERY)).extensions.code, 'FORBIDDEN');
  });
});
