import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { Kind, parse, type FieldNode, type SelectionSetNode } from 'graphql';
import { ROLES } from '../../catalog/index.js';
import { demoKeysPath, readDemoKeys } from '../../gateway/startup/loadDemo.js';
import { startGatewayProcess, portRefuses, postGraphQL, type GatewayProcess, type HttpAnswer } from '../support/processGateway.js';
import { childEnv, exitAfterSignal, freePort, temporaryFolder } from '../support/processRunner.js';
import { readmeQuery } from '../support/readmeQuery.js';

/** initdb of the embedded database plus the demo load take a while on a small machine. */
const FIRST_START_MS = 150_000;
const LATER_START_MS = 60_000;
const STOP_MS = 20_000;

function field(selections: SelectionSetNode | undefined, name?: string): FieldNode {
  const fields = (selections?.selections ?? []).filter((s): s is FieldNode => s.kind === Kind.FIELD);
  const found = name ? fields.find((f) => f.name.value === name) : fields[0];
  assert.ok(found, `the query selects ${name ?? 'a field'}`);
  return found;
}

/** The resource the query asks for under `data`, and the item fields it asks of each node. */
function askedOf(query: string): { resource: string; items: string[] } {
  const operation = parse(query).definitions[0];
  assert.ok(operation && operation.kind === Kind.OPERATION_DEFINITION);
  const resource = field(field(operation.selectionSet, 'data').selectionSet);
  const nodes = field(resource.selectionSet, 'nodes');
  return { resource: resource.name.value, items: nodes.selectionSet!.selections.map((s) => (s as FieldNode).name.value) };
}

interface FirstQueryAnswer {
  data?: { data: Record<string, { nodes: Record<string, unknown>[] }> };
  errors?: unknown[];
  extensions?: { exchanges?: { resource: string; exchangeId: string; outcome: string; rows: number }[] };
}

describe('Demo start: npm start on an empty data folder', function () {
  this.timeout(FIRST_START_MS + 60_000);
  let folder: ReturnType<typeof temporaryFolder>;
  let query: string;
  let asked: { resource: string; items: string[] };
  let port: number;
  let env: NodeJS.ProcessEnv;
  let running: GatewayProcess | null = null;
  let firstKeys: Record<string, string> = {};
  let firstAnswer: FirstQueryAnswer;
  let firstInventory: unknown;

  const inventoryQuery = '{ departments { code } catalog(first: 100) { totalCount nodes { code version } } }';

  before(async () => {
    query = readmeQuery('first-query');
    asked = askedOf(query);
    folder = temporaryFolder('meridian-e2e-demo');
    port = await freePort();
    env = childEnv({ PORT: String(port), MERIDIAN_DATA_DIR: folder.path, MERIDIAN_LOG_LEVEL: 'warn' });
  });
  after(async () => {
    await running?.process.kill();
    folder?.remove();
  });

  async function stopWithSigterm(gateway: GatewayProcess): Promise<void> {
    const exit = await exitAfterSignal(gateway.process, 'SIGTERM', STOP_MS);
    assert.notEqual(exit, null, `npm start still running ${STOP_MS} ms after SIGTERM`);
    assert.deepEqual(exit, { code: 0, signal: null }, `npm start exits 0 on SIGTERM; stderr:\n${gateway.process.stderr()}`);
    assert.ok(await portRefuses(port), 'nothing listens on the port once npm start has exited (no orphaned gateway)');
  }

  it('prints the GraphQL URL and one demo key per role', async () => {
    running = await startGatewayProcess('npm', ['start'], env, FIRST_START_MS);
    const { banner } = running;
    assert.equal(banner.url, `http://127.0.0.1:${port}/graphql`);
    assert.deepEqual(Object.keys(banner.keys).sort(), [...ROLES].sort());
    const keys = Object.values(banner.keys);
    assert.equal(new Set(keys).size, keys.length, 'every role has its own key');
    firstKeys = { ...banner.keys };
  });

  it("answers the README's first query with masked rows and one logged exchange", async () => {
    assert.ok(running, 'the gateway started');
    const answer: HttpAnswer = await postGraphQL(running.banner.url, firstKeys.CONSUMER!, query);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const body = answer.body as FirstQueryAnswer;
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    const nodes = body.data!.data[asked.resource]!.nodes;
    assert.ok(nodes.length > 0, `the demo has ${asked.resource} for the README's query`);
    assert.ok(asked.items.includes('legalRepName'), 'the README query shows a masked item');
    for (const node of nodes) {
      assert.deepEqual(Object.keys(node).sort(), [...asked.items].sort(), 'each node holds exactly the asked fields');
      const name = [...String(node.legalRepName)];
      assert.ok(name.length >= 2 && name[0] !== '*', `legalRepName ${node.legalRepName} keeps its first character`);
      assert.ok(name.slice(1).every((c) => c === '*'), `legalRepName ${node.legalRepName} has the rest starred`);
    }
    const exchanges = body.extensions?.exchanges ?? [];
    assert.equal(exchanges.length, 1, JSON.stringify(body.extensions));
    assert.equal(exchanges[0]!.outcome, 'OK');
    assert.equal(exchanges[0]!.rows, nodes.length);
    firstAnswer = body;
    const inventory = await postGraphQL(running.banner.url, firstKeys.CONSUMER!, inventoryQuery);
    assert.equal(inventory.status, 200, JSON.stringify(inventory.body));
    firstInventory = inventory.body!.data;
  });

  it('keeps the demo keys in a file only its owner can read', () => {
    const path = demoKeysPath(folder.path);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const saved = Object.fromEntries((readDemoKeys(folder.path) ?? []).map((key) => [key.role, key.key]));
    assert.deepEqual(saved, firstKeys);
  });

  it('exits 0 on SIGTERM', async () => {
    assert.ok(running, 'the gateway started');
    await stopWithSigterm(running);
    running = null;
  });

  it('starts again on the same folder with the same keys and the data loaded once', async () => {
    running = await startGatewayProcess('npm', ['start'], env, LATER_START_MS);
    assert.deepEqual({ ...running.banner.keys }, firstKeys, 'the banner shows the saved keys again');

    const again = await postGraphQL(running.banner.url, firstKeys.CONSUMER!, query);
    const body = again.body as FirstQueryAnswer;
    // Cursors are sealed with a fresh nonce each time, so the rows are compared, not the page info.
    assert.deepEqual(body.data!.data[asked.resource]!.nodes, firstAnswer.data!.data[asked.resource]!.nodes, 'the same rows as before the restart');
    const inventory = await postGraphQL(running.banner.url, firstKeys.CONSUMER!, inventoryQuery);
    assert.deepEqual(inventory.body!.data, firstInventory, 'the same departments and resources: the demo was not loaded twice');

    const firstExchange = firstAnswer.extensions!.exchanges![0]!.exchangeId;
    const logged = await postGraphQL(
      running.banner.url,
      firstKeys.AUDITOR!,
      'query ($id: ID!) { exchanges(filter: { exchangeId: $id }) { nodes { exchangeId outcome } } }',
      { id: firstExchange },
    );
    assert.deepEqual(logged.body!.data, { exchanges: { nodes: [{ exchangeId: firstExchange, outcome: 'OK' }] } }, JSON.stringify(logged.body));

    await stopWithSigterm(running);
    running = null;
  });
});
