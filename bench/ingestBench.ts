/**
 * Ledger ingest through the real writer (ledger/ledgerWriter.ts), as a busy
 * gateway drives it: many exchanges finishing at once, each awaiting its own
 * append before answering. Group commit (the configured batch settings) is
 * compared with one INSERT and one transaction per record (maxBatch 1) on the
 * same workload.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import type { LedgerSettings, Logger } from '../common/index.js';
import { seededRandom, type Random } from '../demo/seededRandom.js';
import { createLedgerWriter, type ExchangeRecord, type Outcome } from '../ledger/index.js';
import { skewedPairIndex, UPSTREAM_CONSUMERS, VIA_UPSTREAM_SHARE, type ExchangePair } from './benchCatalog.js';

export type IngestMode = 'group commit' | 'one INSERT per record';

export interface IngestRun {
  readonly mode: IngestMode;
  readonly records: number;
  readonly seconds: number;
  readonly recordsPerSecond: number;
  /** Transactions the writer committed: records / batches is the mean batch. */
  readonly batches: number;
}

export interface IngestOptions {
  readonly mode: IngestMode;
  readonly records: number;
  /** Appends in flight at once (exchanges finishing concurrently). */
  readonly concurrency: number;
  /** The gateway's ledger settings; maxBatch is forced to 1 for 'one INSERT per record'. */
  readonly settings: LedgerSettings;
  readonly pairs: readonly ExchangePair[];
  readonly logger: Logger;
  readonly seed: number;
}

/**
 * Appends `records` records through a new writer with `concurrency` appenders
 * and times from the first append to the last commit. Writer start and close
 * (registration, final checkpoint) are outside the timing: they happen once per process.
 */
export async function runIngest(knex: Knex, options: IngestOptions): Promise<IngestRun> {
  const { settings } = options;
  let batches = 0;
  const writer = createLedgerWriter(knex, {
    maxBatch: options.mode === 'group commit' ? settings.maxBatch : 1,
    maxWaitMs: settings.maxWaitMs,
    checkpointEvery: settings.checkpointEvery,
    checkpointIntervalMs: settings.checkpointIntervalMs,
    logger: options.logger,
    onBatchCommitted: () => {
      batches += 1;
    },
  });
  // Made before the clock starts: the bench measures the ledger, not the record generator.
  const records = exchangeRecords(options.records, options.pairs, seededRandom(options.seed));
  await writer.start();
  let next = 0;
  const appender = async (): Promise<void> => {
    while (next < records.length) {
      const record = records[next++]!;
      // A gateway stamps finishedAt just before the append; only the time of day matters to the roll-ups.
      const finishedAt = new Date();
      await writer.append({
        ...record,
        at: new Date(finishedAt.getTime() - Math.ceil(record.durationMs)).toISOString(),
        finishedAt: finishedAt.toISOString(),
      });
    }
  };
  let seconds: number;
  try {
    const started = performance.now();
    await Promise.all(Array.from({ length: options.concurrency }, appender));
    seconds = (performance.now() - started) / 1000;
  } finally {
    await writer.close();
  }
  return { mode: options.mode, records: records.length, seconds, recordsPerSecond: records.length / seconds, batches };
}

/** `count` realistic records over the pairs, traffic skewed as the generated ledger's is. */
function exchangeRecords(count: number, pairs: readonly ExchangePair[], random: Random): ExchangeRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const pair = pairs[skewedPairIndex(random.next(), pairs.length)]!;
    const outcome = random.weighted<Outcome>([
      ['OK', 90],
      ['DENIED', 6],
      ['ERROR', 4],
    ]);
    const rows = outcome === 'OK' ? Math.floor(random.next() ** 2 * 50) : 0;
    return {
      exchangeId: randomUUID(),
      requestId: `req-${randomUUID().slice(0, 8)}`,
      traceId: randomUUID().replaceAll('-', ''),
      at: '',
      finishedAt: '',
      consumerDepartment: pair.consumer,
      consumerApp: pair.consumerApp,
      onBehalfOf: random.chance(VIA_UPSTREAM_SHARE) ? random.pick(UPSTREAM_CONSUMERS) : null,
      providerDepartment: pair.provider,
      resourceCode: pair.resource,
      resourceVersion: 1,
      operation: 'query',
      items: pair.items,
      returnedItems: outcome === 'OK' ? pair.items : [],
      maskedItems: outcome === 'OK' ? pair.maskedItems : [],
      rows,
      bytes: rows * random.int(180, 400),
      durationMs: random.int(500, 25_000) / 100,
      outcome,
      errorCode: outcome === 'ERROR' ? 'CONNECTOR_TIMEOUT' : outcome === 'DENIED' ? 'APPLICATION_REQUIRED' : null,
      decisionId: `dec-${i}`,
      grantId: outcome === 'OK' ? pair.grantId : null,
    };
  });
}
