import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describeEachDatabase } from '../support/databases.js';
import { newTally, openNoLeakWorld, runScenario, type NoLeakWorld } from '../support/noLeakRunner.js';
import { everyMaskScenario, revokedClearItemScenario } from '../support/noLeakExamples.js';
import { scenarioArbitrary } from '../support/noLeakScenario.js';

/** FC_SEED (and FC_PATH, from a failure report) replay a run; otherwise a new seed, printed when the property fails. */
const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : Date.now() ^ Math.floor(Math.random() * 0x7fffffff);
const path = process.env.FC_PATH || undefined;
/** Runs per database: PGlite is one connection, so it gets fewer. FC_RUNS overrides both. */
const RUNS = { postgres: 40, pglite: 15 } as const;
const TIME_LIMIT_MS = 150_000;

describeEachDatabase('Gateway: no data leaves beyond the grant (property)', (get, kind) => {
  let world: NoLeakWorld;

  before(async () => {
    world = await openNoLeakWorld(get(), kind);
  });
  after(async () => {
    await world?.gateway.close();
  });

  it('answers every generated query with only granted items, rows in scope, masked values, and one ledger record per exchange', async function () {
    this.timeout(TIME_LIMIT_MS + 60_000);
    const tally = newTally();
    const numRuns = process.env.FC_RUNS ? Number(process.env.FC_RUNS) : RUNS[kind];
    const result = await fc.check(
      fc.asyncProperty(scenarioArbitrary, async (scenario) => {
        await runScenario(world, scenario, tally);
      }),
      // The hand-written scenarios run first, so every mask kind is checked whatever the seed draws.
      {
        numRuns,
        seed,
        examples: [[everyMaskScenario], [revokedClearItemScenario]],
        // Each run registers a resource: shrinking a failure can take minutes, so it stops in time for the report.
        interruptAfterTimeLimit: TIME_LIMIT_MS,
        ...(path ? { path } : {}),
      },
    );
    if (result.failed) {
      const replay = `FC_SEED=${result.seed} FC_PATH=${result.counterexamplePath ?? ''}`;
      const cause = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
      assert.fail(`${cause}\n\n${fc.defaultReportMessage(result)}\nReplay with ${replay}`);
    }
    assert.ok(!result.interrupted, `only ${result.numRuns} of ${numRuns} runs within ${TIME_LIMIT_MS} ms`);
    // A property that checked nothing would pass too: the runs must have covered both outcomes.
    assert.ok(tally.served > 0 && tally.denied > 0, `served ${tally.served} and denied ${tally.denied} exchanges`);
    for (const mask of ['NONE', 'PARTIAL', 'NAME', 'HASH', 'REDACT', 'GENERALIZE']) {
      assert.ok((tally.valuesChecked[mask] ?? 0) > 0, `values checked per mask kind: ${JSON.stringify(tally.valuesChecked)}`);
    }
  });
});
