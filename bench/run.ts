/**
 * `npm run bench`: Meridian's ledger figures, measured in one run on a real
 * PostgreSQL server, in a scratch database dropped at the end.
 *
 * 1. Ingest: records per second through the real ledger writer, group commit
 *    (the default batch settings) against one INSERT per record, with 64
 *    appends in flight as on a busy gateway.
 * 2. Indicators: the report of a 12-month window over 10,000,000 records, via
 *    the hourly roll-ups against the same figures counted from raw records,
 *    the two reports asserted identical.
 *
 * Progress goes to stderr; the table, then `--- json ---` and the same results
 * as JSON, go to stdout. BENCH_DATABASE_URL (else TEST_DATABASE_URL) names the
 * server; BENCH_LEDGER_RECORDS and BENCH_INGEST_RECORDS shrink a trial run.
 */
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import { importCatalog, loadCatalogSnapshot } from '../catalog/index.js';
import { createLogger, loadConfig, type LedgerSettings, type MeridianConfig } from '../common/index.js';
import { sourceKindsFor } from '../connectors/index.js';
import { cliActor } from '../db/index.js';
import { ensurePartitions } from '../ledger/index.js';
import type { Granularity } from '../ledger/indicatorPeriod.js';
import { buildBenchCatalog, CONSUMER_DEPARTMENTS, PROVIDER_DEPARTMENTS, RESOURCES, VIA_UPSTREAM_SHARE, type ExchangePair } from './benchCatalog.js';
import { benchServerUrl, createScratchDatabase, type ScratchDatabase } from './benchDatabase.js';
import { formatNumber, summarize, textTable, type MeasureSummary } from './benchStats.js';
import {
  checkRollupsMatchWriter,
  createIndex,
  dropPairs,
  dropSecondaryIndexes,
  generateRecords,
  GENERATED_WRITERS,
  loadPairs,
  secondaryIndexes,
  storeRollups,
  type GeneratedSpan,
} from './generateLedger.js';
import { runIndicatorBench } from './indicatorBench.js';
import { runIngest, type IngestMode, type IngestRun } from './ingestBench.js';

const INGEST_CONCURRENCY = 64;
const INGEST_REPETITIONS = 3;
/** Records per group-commit run; one INSERT per record is ~10x slower, so it gets a tenth (records/s is the measure). */
const GROUP_COMMIT_RECORDS = positiveInteger('BENCH_INGEST_RECORDS', 50_000);
const SINGLE_INSERT_RECORDS = Math.max(1, Math.round(GROUP_COMMIT_RECORDS / 10));
const LEDGER_RECORDS = positiveInteger('BENCH_LEDGER_RECORDS', 10_000_000);
const GENERATION_CHUNK = 1_000_000;
/** One INSERT ... SELECT per core: each runs in one backend. */
const PARALLEL_STATEMENTS = 2;
const INDICATOR_REPETITIONS = 5;
const GRANULARITIES: readonly Granularity[] = ['MONTH', 'DAY'];
/** The calendar year 2024 in the gateway's default zone: twelve months, 366 days. */
const YEAR_START = new Date('2024-01-01T00:00:00+08:00');
const YEAR_END = new Date('2025-01-01T00:00:00+08:00');

const benchStarted = performance.now();

function progress(message: string): void {
  process.stderr.write(`[bench ${((performance.now() - benchStarted) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);
}

function positiveInteger(name: string, fallback: number): number {
  const text = process.env[name];
  if (!text) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a whole number above 0, not ${JSON.stringify(text)}`);
  return value;
}

interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly postgres: string;
  readonly sharedBuffers: string;
  readonly jit: string;
}

async function machineInfo(knex: Knex): Promise<MachineInfo> {
  const setting = async (name: string) => ((await knex.raw('SELECT current_setting(?) AS value', [name])).rows[0] as { value: string }).value;
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgres: await setting('server_version'),
    sharedBuffers: await setting('shared_buffers'),
    jit: await setting('jit'),
  };
}

interface IngestResults {
  readonly concurrency: number;
  readonly settings: Pick<LedgerSettings, 'maxBatch' | 'maxWaitMs' | 'checkpointEvery'>;
  readonly groupCommit: MeasureSummary & { readonly recordsPerRun: number; readonly meanBatch: number };
  readonly singleInsert: MeasureSummary & { readonly recordsPerRun: number; readonly meanBatch: number };
  /** Group commit's median records/s over one INSERT per record's. */
  readonly speedup: number;
  readonly rollupRowsCrossChecked: number;
}

/** Alternates the two modes, `INGEST_REPETITIONS` runs each, on the same kind of workload. */
async function ingestBench(knex: Knex, settings: LedgerSettings, pairs: readonly ExchangePair[]): Promise<IngestResults> {
  const logger = createLogger('warn', process.stderr);
  const runs: IngestRun[] = [];
  for (let repetition = 1; repetition <= INGEST_REPETITIONS; repetition++) {
    for (const mode of ['group commit', 'one INSERT per record'] as const) {
      const records = mode === 'group commit' ? GROUP_COMMIT_RECORDS : SINGLE_INSERT_RECORDS;
      const run = await runIngest(knex, { mode, records, concurrency: INGEST_CONCURRENCY, settings, pairs, logger, seed: repetition });
      runs.push(run);
      progress(
        `ingest ${repetition}/${INGEST_REPETITIONS} ${mode}: ${formatNumber(run.records)} records in ${run.seconds.toFixed(1)} s = ` +
          `${formatNumber(run.recordsPerSecond)} records/s, mean batch ${(run.records / run.batches).toFixed(1)}`,
      );
    }
  }
  const summaryOf = (mode: IngestMode) => {
    const ofMode = runs.filter((run) => run.mode === mode);
    const records = ofMode.reduce((sum, run) => sum + run.records, 0);
    const batches = ofMode.reduce((sum, run) => sum + run.batches, 0);
    return {
      ...summarize({ name: mode, unit: 'records/s', values: ofMode.map((run) => run.recordsPerSecond) }),
      recordsPerRun: ofMode[0]!.records,
      meanBatch: records / batches,
    };
  };
  const groupCommit = summaryOf('group commit');
  const singleInsert = summaryOf('one INSERT per record');
  progress('checking that the roll-up SQL used for the generated ledger gives what the writer stored');
  const rollupRowsCrossChecked = await checkRollupsMatchWriter(knex);
  return {
    concurrency: INGEST_CONCURRENCY,
    settings: { maxBatch: settings.maxBatch, maxWaitMs: settings.maxWaitMs, checkpointEvery: settings.checkpointEvery },
    groupCommit,
    singleInsert,
    speedup: groupCommit.median / singleInsert.median,
    rollupRowsCrossChecked,
  };
}

interface GenerationResults {
  readonly records: number;
  readonly rollupRows: number;
  readonly partitions: number;
  readonly recordsSeconds: number;
  readonly rollupsSeconds: number;
  readonly vacuumSeconds: number;
  readonly heapAndIndexesGiB: number;
}

/** Runs `tasks` with at most `limit` at once. */
async function inParallel(tasks: readonly (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

/** Fills the emptied ledger with LEDGER_RECORDS records over the year, then its roll-ups. */
async function generateLedger(knex: Knex, pairs: readonly ExchangePair[]): Promise<GenerationResults> {
  // Monthly partitions by finished_at in UTC: the local year begins in December 2023 UTC.
  const { created } = await ensurePartitions(knex, new Date('2023-12-01T00:00:00Z'), 12);
  const span: GeneratedSpan = { start: YEAR_START, days: 366, total: LEDGER_RECORDS };
  await loadPairs(knex, pairs);
  let started = performance.now();
  const indexes = await dropSecondaryIndexes(knex);
  let done = 0;
  const chunks = Array.from({ length: Math.ceil(LEDGER_RECORDS / GENERATION_CHUNK) }, (_, i) => async () => {
    const to = Math.min(LEDGER_RECORDS, (i + 1) * GENERATION_CHUNK);
    await generateRecords(knex, span, pairs.length, i * GENERATION_CHUNK, to);
    done += to - i * GENERATION_CHUNK;
    const seconds = (performance.now() - started) / 1000;
    progress(`generated ${formatNumber(done)} / ${formatNumber(LEDGER_RECORDS)} records (${formatNumber(done / seconds)} records/s)`);
  });
  await inParallel(chunks, PARALLEL_STATEMENTS);
  await dropPairs(knex);
  progress(`building the ${indexes.length} secondary indexes of ledger_records again`);
  await inParallel(
    indexes.map((index) => () => createIndex(knex, index)),
    PARALLEL_STATEMENTS,
  );
  if (JSON.stringify(await secondaryIndexes(knex)) !== JSON.stringify(indexes)) throw new Error('the indexes of ledger_records were not all rebuilt as they were');
  const recordsSeconds = (performance.now() - started) / 1000;
  progress(`records and indexes in ${recordsSeconds.toFixed(1)} s; storing roll-ups`);

  started = performance.now();
  // Month by month (whole UTC hours, so no roll-up row spans two statements), two at a time.
  const bounds = [YEAR_START, ...monthStartsUtc(YEAR_START, YEAR_END), YEAR_END];
  await inParallel(
    bounds.slice(1).map((to, i) => () => storeRollups(knex, bounds[i]!, to)),
    PARALLEL_STATEMENTS,
  );
  const rollupsSeconds = (performance.now() - started) / 1000;
  progress(`roll-ups stored in ${rollupsSeconds.toFixed(1)} s; vacuuming and analysing`);

  // What autovacuum would have done to months-old partitions; done now so that it does not run during the measures.
  started = performance.now();
  await knex.raw('VACUUM (ANALYZE) ledger_records, ledger_rollups');
  const vacuumSeconds = (performance.now() - started) / 1000;
  const count = async (table: string) => Number(((await knex(table).count({ n: '*' })) as { n: number | string }[])[0]!.n);
  const size = (await knex.raw(
    `SELECT sum(pg_total_relation_size(inhrelid))::float8 AS bytes FROM pg_inherits WHERE inhparent = 'ledger_records'::regclass`,
  )) as { rows: { bytes: number }[] };
  return {
    records: await count('ledger_records'),
    rollupRows: await count('ledger_rollups'),
    partitions: created.length,
    recordsSeconds,
    rollupsSeconds,
    vacuumSeconds,
    heapAndIndexesGiB: size.rows[0]!.bytes / 2 ** 30,
  };
}

/** The first instant of each UTC month strictly between `from` and `to`. */
function monthStartsUtc(from: Date, to: Date): Date[] {
  const starts: Date[] = [];
  let month = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
  while (month < to) {
    starts.push(month);
    month = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1));
  }
  return starts;
}

interface IndicatorResult {
  readonly granularity: Granularity;
  readonly buckets: number;
  readonly viaRollups: MeasureSummary;
  readonly fromRawRecords: MeasureSummary;
  /** Raw median over roll-up median. */
  readonly ratio: number;
}

async function indicatorBench(knex: Knex, timeZone: string, expectedCalls: number): Promise<IndicatorResult[]> {
  const catalog = await loadCatalogSnapshot(knex);
  const results: IndicatorResult[] = [];
  for (const granularity of GRANULARITIES) {
    // The first report after the load reads cold pages and sets hint bits; later granularities find them warm.
    const warmUp = granularity === GRANULARITIES[0];
    progress(`indicators ${granularity}: ${warmUp ? 'warm-up of both, then ' : ''}${INDICATOR_REPETITIONS} timed runs of each`);
    const runs = await runIndicatorBench(knex, catalog, {
      from: YEAR_START,
      to: YEAR_END,
      granularity,
      timeZone,
      repetitions: INDICATOR_REPETITIONS,
      warmUp,
      progress,
    });
    if (runs.calls !== expectedCalls) throw new Error(`the ${granularity} report counts ${runs.calls} calls, the ledger holds ${expectedCalls}`);
    const viaRollups = summarize({ name: `${granularity} via roll-ups`, unit: 'ms', values: runs.rollupMs });
    const fromRawRecords = summarize({ name: `${granularity} from raw records`, unit: 'ms', values: runs.rawMs });
    results.push({ granularity, buckets: runs.buckets, viaRollups, fromRawRecords, ratio: fromRawRecords.median / viaRollups.median });
  }
  return results;
}

interface BenchResults {
  readonly startedAt: string;
  readonly totalSeconds: number;
  readonly machine: MachineInfo;
  readonly catalog: { readonly providerDepartments: number; readonly consumerDepartments: number; readonly resources: number; readonly exchangingPairs: number };
  readonly ingest: IngestResults;
  readonly ledger: GenerationResults & { readonly writers: number; readonly window: { readonly from: string; readonly to: string; readonly timeZone: string } };
  readonly indicators: readonly IndicatorResult[];
  readonly notes: readonly string[];
}

const NOTES = [
  'Ingest: records/s from the first append to the last commit, through the real ledger writer (hash chain, roll-ups and signed checkpoints in each batch transaction), with all ledger indexes in place.',
  'Indicators: the ledger records are generated by SQL; their hash chains are placeholders, not valid chains (indicators do not read them). Roll-ups are derived from them by SQL that was checked, on the ingest records, to give exactly what the writer stores.',
  'Indicators: each run builds the whole report (catalog, applications, totals, per-department figures, series); the raw-record report is asserted identical to the roll-up report on every run.',
];

async function main(): Promise<void> {
  const startedAt = new Date();
  // Defaults only, not the environment: the figures are those of the settings Meridian ships with.
  const config = loadConfig({});
  const serverUrl = benchServerUrl(process.env);
  progress(`creating a scratch database on ${new URL(serverUrl).host}`);
  const scratch = await createScratchDatabase(serverUrl);
  const stop = (signal: NodeJS.Signals) => {
    progress(`${signal}: dropping ${scratch.name}`);
    void scratch.drop().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const results = await benchIn(scratch, config, startedAt);
    printResults(results);
  } finally {
    progress(`dropping ${scratch.name}`);
    await scratch.drop();
  }
}

async function benchIn(scratch: ScratchDatabase, config: MeridianConfig, startedAt: Date): Promise<BenchResults> {
  const knex = scratch.db.knex;
  const { ledger, timeZone } = config;
  const machine = await machineInfo(knex);
  const bench = buildBenchCatalog();
  await importCatalog(knex, bench.file, sourceKindsFor(config.connectors), cliActor);
  // As a gateway does at start: the current month's partition exists before the first append.
  await ensurePartitions(knex, new Date(), ledger.partitionsAhead);
  progress(`catalog of ${PROVIDER_DEPARTMENTS} provider and ${CONSUMER_DEPARTMENTS} consumer departments, ${RESOURCES} resources imported`);

  const ingest = await ingestBench(knex, ledger, bench.pairs);
  await knex.raw('TRUNCATE ledger_records, ledger_rollups');

  progress(`generating ${formatNumber(LEDGER_RECORDS)} ledger records over 12 months`);
  const generated = await generateLedger(knex, bench.pairs);
  progress(
    `ledger: ${formatNumber(generated.records)} records (${generated.heapAndIndexesGiB.toFixed(1)} GiB with indexes), ` +
      `${formatNumber(generated.rollupRows)} roll-up rows`,
  );
  const indicators = await indicatorBench(knex, timeZone, generated.records);
  return {
    startedAt: startedAt.toISOString(),
    totalSeconds: (performance.now() - benchStarted) / 1000,
    machine,
    catalog: {
      providerDepartments: PROVIDER_DEPARTMENTS,
      consumerDepartments: CONSUMER_DEPARTMENTS,
      resources: RESOURCES,
      exchangingPairs: bench.pairs.length,
    },
    ingest,
    ledger: { ...generated, writers: GENERATED_WRITERS, window: { from: YEAR_START.toISOString(), to: YEAR_END.toISOString(), timeZone } },
    indicators,
    notes: [
      ...NOTES,
      `Traffic: ${formatNumber(bench.pairs.length)} granted (consumer, resource) pairs, the top 20% carrying 80% of calls; 90% OK, 6% DENIED, 4% ERROR; ` +
        `80% of calls in office hours (08-18 local); ${VIA_UPSTREAM_SHARE * 100}% on behalf of a county exchange's departments. Roll-ups keep one row per hour, provider, ` +
        `consumer, resource and outcome, so their size, and the roll-up report's time, follow how concentrated traffic is: ` +
        `${(generated.records / generated.rollupRows).toFixed(1)} records per roll-up row here.`,
    ],
  };
}

function printResults(results: BenchResults): void {
  const { machine, ingest, ledger } = results;
  const out: string[] = [];
  out.push(`Meridian bench, ${results.startedAt}, ${results.totalSeconds.toFixed(0)} s in all`);
  out.push(
    `machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, ` +
      `PostgreSQL ${machine.postgres} (shared_buffers ${machine.sharedBuffers}, jit ${machine.jit})`,
  );
  out.push('');
  out.push(
    `Ledger ingest, records/s: real writer, ${ingest.concurrency} appends in flight, ` +
      `group commit = default settings (maxBatch ${ingest.settings.maxBatch}, maxWaitMs ${ingest.settings.maxWaitMs}, checkpointEvery ${ingest.settings.checkpointEvery})`,
  );
  out.push(
    textTable(
      ['mode', 'median', 'min', 'max', 'runs', 'records/run', 'mean batch'],
      [ingest.groupCommit, ingest.singleInsert].map((m) => [
        m.name,
        formatNumber(m.median),
        formatNumber(m.min),
        formatNumber(m.max),
        String(m.repetitions),
        formatNumber(m.recordsPerRun),
        m.meanBatch.toFixed(1),
      ]),
    ),
  );
  out.push(`group commit / one INSERT per record: ${ingest.speedup.toFixed(1)}x`);
  out.push('');
  out.push(
    `Indicator report, ms: ${formatNumber(ledger.records)} records over 12 months (${ledger.window.from} to ${ledger.window.to}, ${ledger.window.timeZone}), ` +
      `${formatNumber(ledger.rollupRows)} hourly roll-up rows (${(ledger.records / ledger.rollupRows).toFixed(1)} records each), ` +
      `${ledger.heapAndIndexesGiB.toFixed(1)} GiB of records with indexes`,
  );
  out.push(
    textTable(
      ['report', 'median', 'min', 'max', 'runs'],
      results.indicators.flatMap((r) =>
        [r.viaRollups, r.fromRawRecords].map((m) => [
          `${m.name} (${r.buckets} buckets)`,
          formatNumber(m.median, 1),
          formatNumber(m.min, 1),
          formatNumber(m.max, 1),
          String(m.repetitions),
        ]),
      ),
    ),
  );
  out.push(`raw records / roll-ups: ${results.indicators.map((r) => `${r.granularity} ${r.ratio.toFixed(1)}x`).join(', ')}`);
  out.push(
    `ledger generation: records and indexes ${ledger.recordsSeconds.toFixed(0)} s, roll-ups ${ledger.rollupsSeconds.toFixed(0)} s, ` +
      `vacuum analyze ${ledger.vacuumSeconds.toFixed(0)} s (not measures)`,
  );
  out.push('');
  for (const note of results.notes) out.push(`note: ${note}`);
  out.push('--- json ---');
  out.push(JSON.stringify(results, null, 2));
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
