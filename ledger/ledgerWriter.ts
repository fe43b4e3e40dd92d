/**
 * The group-commit ledger writer. Appends queue up and are written together:
 * one multi-row INSERT per batch, in its own transaction, one batch in flight
 * at a time, and every append released when its batch commits. Each writer
 * keeps its own hash chain (see chainHash.ts): seq and prevHash are assigned
 * when a batch is formed, from the last committed record, so a failed batch
 * leaves no gap and the next batch takes over its sequence numbers.
 *
 * The batch's transaction also adds the batch to the hourly roll-ups and,
 * every `checkpointEvery` records, stores a signed checkpoint of the new chain
 * head (see checkpointSignature.ts), so a failed batch leaves none of the three.
 * A head left unsigned for `checkpointIntervalMs` is signed in a transaction
 * of its own, and close() signs the final head.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import { meridianError, systemClock, type Clock, type Logger, type MeridianError } from '../common/index.js';
import type { ChainedRecord, ExchangeRecord } from './ExchangeRecord.js';
import { GENESIS_HASH, canonicalRecord, hashRecord } from './chainHash.js';
import { createCheckpointKey, signCheckpoint, type Checkpoint, type CheckpointKey } from './checkpointSignature.js';
import { upsertRollups } from './ledgerRollups.js';
import { chainedRecordToRow } from './ledgerRows.js';
import { normalizeRecord } from './normalizeRecord.js';

/** Largest batch: 26 bound values per row must stay under PostgreSQL's 65,535 parameters. */
export const MAX_LEDGER_BATCH = 2000;

export interface LedgerWriterOptions {
  /** Chain to write; a writer given an existing id continues that chain. Default: `${host}-${pid}-${random}`. */
  readonly writerId?: string;
  /** Most records written by one INSERT (1 to MAX_LEDGER_BATCH). */
  readonly maxBatch: number;
  /** Longest an append to an idle writer waits for companions, in ms; 0 writes on the next turn of the event loop. */
  readonly maxWaitMs: number;
  readonly logger: Logger;
  /** Recorded in ledger_writers. Default: the OS host name. */
  readonly host?: string;
  /** Recorded in ledger_writers. Default: this process's id. */
  readonly pid?: number;
  /** Time of the writer's start and of each commit. Default: the system clock. */
  readonly clock?: Clock;
  /** First wait before a failed writer tries a rolled-back write to see whether it can write again (ms, default 1000; doubles up to 30 s). */
  readonly recoveryProbeMs?: number;
  /** Called with the number of records after each batch commits (tests, metrics). */
  readonly onBatchCommitted?: (size: number) => void;
  /** The writer signs its chain head once this many records were written since its last checkpoint (default 1000)... */
  readonly checkpointEvery?: number;
  /** ...or this long after its last checkpoint (ms, default 60000), whichever comes first; never when nothing was written since. */
  readonly checkpointIntervalMs?: number;
}

export interface LedgerHealth {
  /** False before start, after close, and while the most recent batch failed. */
  readonly ok: boolean;
  /** Records appended and not yet committed or failed. */
  readonly pending: number;
  readonly lastCommitAt: Date | null;
  /** Message of the most recent failure; kept after recovery, so `ok` says whether it is current. */
  readonly lastError: string | null;
  readonly writerId: string;
}

export interface LedgerWriter {
  readonly writerId: string;
  /** Registers the writer in ledger_writers and reads its chain head; appends are refused until it resolves. */
  start(): Promise<void>;
  /** Resolves with the chained record once its batch has committed; rejects with LEDGER_UNAVAILABLE otherwise. */
  append(record: ExchangeRecord): Promise<ChainedRecord>;
  /** Resolves when every record appended before the call has committed or failed. */
  flush(): Promise<void>;
  /** Refuses new appends from now on and resolves once the records already appended are flushed. */
  close(): Promise<void>;
  health(): LedgerHealth;
}

interface Pending {
  readonly record: ExchangeRecord;
  resolve(record: ChainedRecord): void;
  reject(error: MeridianError): void;
}

interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

interface FlushWaiter {
  /** Settled once this many appends (counted from the start) have settled. */
  readonly target: number;
  resolve(): void;
}

type WriterState = 'new' | 'starting' | 'running' | 'closing' | 'closed';

/** Creates a group-commit writer of one hash chain; call start() before appending. */
export function createLedgerWriter(knex: Knex, options: LedgerWriterOptions): LedgerWriter {
  checkOptions(options);
  const { maxBatch, maxWaitMs, logger, onBatchCommitted } = options;
  const clock = options.clock ?? systemClock;
  const host = options.host ?? hostname();
  const pid = options.pid ?? process.pid;
  const writerId = options.writerId ?? `${host}-${pid}-${randomBytes(4).toString('hex')}`;
  const checkpointEvery = options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
  const checkpointIntervalMs = options.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS;
  const log = logger.child({ component: 'ledger', writerId });

  let state: WriterState = 'new';
  let starting: Promise<void> | null = null;
  let closing: Promise<void> | null = null;
  // Null when unknown: after a failed batch the head is read again, since a commit may
  // have succeeded on the server even though the driver reported an error.
  let head: ChainHead | null = null;
  const queue: Pending[] = [];
  let inFlight = 0;
  let cancelWait: (() => void) | null = null;
  let queuedTotal = 0;
  let settledTotal = 0;
  let flushWaiters: FlushWaiter[] = [];
  let lastCommitAt: Date | null = null;
  let lastError: string | null = null;
  let lastBatchFailed = false;
  let probeTimer: NodeJS.Timeout | null = null;
  const firstProbeDelayMs = options.recoveryProbeMs ?? PROBE_FIRST_DELAY_MS;
  let probeDelayMs = firstProbeDelayMs;
  // Set by start(): this process's signing key and its row in ledger_writer_keys.
  let signing: { readonly key: CheckpointKey; readonly keyId: number } | null = null;
  // The highest seq signed, or the head at start: a new process signs only once it has written.
  let signedSeq = 0;
  let lastSignedAt = performance.now();
  let checkpointTimer: NodeJS.Timeout | null = null;
  let checkpointing: Promise<void> | null = null;

  async function registerAndReadHead(): Promise<void> {
    try {
      const key = createCheckpointKey();
      const now = clock.now();
      const keyId = await knex.transaction(async (trx) => {
        // A continued writer id keeps its first start's host and pid; its current key changes.
        await trx('ledger_writers')
          .insert({ id: writerId, started_at: now, host, pid, public_key: key.publicKey })
          .onConflict('id')
          .merge(['public_key']);
        const [row] = (await trx('ledger_writer_keys')
          .insert({ writer_id: writerId, public_key: key.publicKey, registered_at: now })
          .returning('id')) as { id: number | string }[];
        return Number(row!.id);
      });
      signing = { key, keyId };
      head = await readHead(knex, writerId);
      signedSeq = head.seq;
      lastSignedAt = performance.now();
      // close() may have been called meanwhile; it wins.
      if (state === 'starting') state = 'running';
      log.info({ seq: head.seq }, 'ledger writer started');
    } catch (error) {
      if (state === 'starting') {
        state = 'new';
        starting = null;
      }
      lastError = messageOf(error);
      log.error({ error: lastError }, 'ledger writer could not start');
      throw meridianError('LEDGER_UNAVAILABLE');
    }
  }

  function schedule(): void {
    if (inFlight > 0 || queue.length === 0) return;
    if (queue.length >= maxBatch) {
      writeNow();
      return;
    }
    if (cancelWait) return;
    if (maxWaitMs === 0) {
      const immediate = setImmediate(writeNow);
      cancelWait = () => clearImmediate(immediate);
    } else {
      const timeout = setTimeout(writeNow, maxWaitMs);
      cancelWait = () => clearTimeout(timeout);
    }
  }

  function writeNow(): void {
    cancelWait?.();
    cancelWait = null;
    if (inFlight > 0 || queue.length === 0) return;
    void writeBatch(queue.splice(0, maxBatch));
  }

  async function writeBatch(batch: Pending[]): Promise<void> {
    inFlight = batch.length;
    let committed: ChainedRecord[] | null = null;
    try {
      head ??= await readHead(knex, writerId);
      const chained = chain(batch, head);
      const last = chained[chained.length - 1]!;
      const rows = chained.map(chainedRecordToRow);
      const checkpoint = last.seq - signedSeq >= checkpointEvery ? signHead(last) : null;
      await knex.transaction(async (trx) => {
        await trx('ledger_records').insert(rows);
        await upsertRollups(trx, chained);
        if (checkpoint) await insertCheckpoint(trx, checkpoint, signing!.keyId);
      });
      committed = chained;
      head = last;
      lastCommitAt = clock.now();
      lastBatchFailed = false;
      if (checkpoint) noteSigned(checkpoint.seq);
      else armCheckpointTimer();
    } catch (error) {
      head = null;
      lastBatchFailed = true;
      lastError = messageOf(error);
      scheduleProbe();
      log.error(
        { error: lastError, size: batch.length, exchangeIds: batch.map((p) => p.record.exchangeId) },
        'ledger batch failed; its exchanges are refused',
      );
    }
    inFlight = 0;
    if (committed) {
      committed.forEach((record, i) => batch[i]!.resolve(record));
      reportCommitted(batch.length);
    } else {
      for (const pending of batch) pending.reject(meridianError('LEDGER_UNAVAILABLE'));
    }
    settle(batch.length);
    // Whatever arrived meanwhile has waited a whole batch already: write it at once.
    if (queue.length > 0) writeNow();
  }

  function signHead(signed: ChainHead): Checkpoint {
    return signCheckpoint(signing!.key.privateKey, { writerId, seq: signed.seq, hash: signed.hash, at: clock.now().toISOString() });
  }

  function noteSigned(seq: number): void {
    signedSeq = Math.max(signedSeq, seq);
    lastSignedAt = performance.now();
    if (checkpointTimer) clearTimeout(checkpointTimer);
    checkpointTimer = null;
  }

  /** Arms the interval checkpoint once the head is ahead of the last one signed. */
  function armCheckpointTimer(): void {
    if (checkpointTimer || !head || head.seq <= signedSeq || state === 'closed') return;
    const wait = Math.max(0, lastSignedAt + checkpointIntervalMs - performance.now());
    checkpointTimer = setTimeout(() => {
      checkpointTimer = null;
      void checkpointHead();
    }, wait);
    checkpointTimer.unref();
  }

  /** Signs the committed chain head in a transaction of its own (interval and close). */
  function checkpointHead(): Promise<void> {
    checkpointing ??= (async () => {
      const current = head;
      if (!current || current.seq <= signedSeq || !signing) return;
      try {
        const checkpoint = signHead(current);
        await insertCheckpoint(knex, checkpoint, signing.keyId);
        noteSigned(checkpoint.seq);
      } catch (error) {
        log.warn({ error: messageOf(error), seq: current.seq }, 'ledger checkpoint failed; retrying after the interval');
        lastSignedAt = performance.now();
      }
    })().finally(() => {
      checkpointing = null;
      armCheckpointTimer();
    });
    return checkpointing;
  }

  /**
   * After a failed batch, tries a write now and then (an INSERT rolled back)
   * so that health turns ok again once the database takes records, even when
   * no exchange arrives meanwhile (a load balancer sends none to an unready instance).
   */
  function scheduleProbe(): void {
    if (probeTimer || state === 'closed') return;
    probeTimer = setTimeout(() => {
      probeTimer = null;
      void probe();
    }, probeDelayMs);
    probeTimer.unref();
  }

  async function probe(): Promise<void> {
    if (!lastBatchFailed || state !== 'running') return;
    const written = await tryRolledBackInsert();
    if (written) {
      lastBatchFailed = false;
      probeDelayMs = firstProbeDelayMs;
      log.info('ledger writes again');
    } else {
      probeDelayMs = Math.min(probeDelayMs * 2, PROBE_MAX_DELAY_MS);
      scheduleProbe();
    }
  }

  async function tryRolledBackInsert(): Promise<boolean> {
    const rollback = new Error('probe rollback');
    try {
      await knex.transaction(async (trx) => {
        const current = await readHead(trx, writerId);
        const [probeRecord] = chain([{ record: probeExchange(clock.now()), resolve: () => undefined, reject: () => undefined }], current);
        await trx('ledger_records').insert(chainedRecordToRow(probeRecord!));
        throw rollback;
      });
    } catch (error) {
      if (error === rollback) return true;
      lastError = messageOf(error);
    }
    return false;
  }

  function reportCommitted(size: number): void {
    try {
      onBatchCommitted?.(size);
    } catch (error) {
      // A failing observer must not stop the writer: the records are committed.
      log.warn({ error: messageOf(error) }, 'onBatchCommitted failed');
    }
  }

  function chain(batch: readonly Pending[], from: ChainHead): ChainedRecord[] {
    let { seq, hash } = from;
    return batch.map(({ record }) => {
      seq += 1;
      const unhashed = { ...record, writerId, seq, prevHash: hash };
      hash = hashRecord(hash, canonicalRecord(unhashed));
      return { ...unhashed, hash };
    });
  }

  function settle(count: number): void {
    settledTotal += count;
    const done = flushWaiters.filter((w) => w.target <= settledTotal);
    flushWaiters = flushWaiters.filter((w) => w.target > settledTotal);
    for (const waiter of done) waiter.resolve();
  }

  async function closeWriter(): Promise<void> {
    const pendingStart = starting;
    state = 'closing';
    await pendingStart?.catch(() => undefined);
    await flush();
    // The final head is signed, so a graceful stop leaves no unsigned tail behind; an interval
    // checkpoint still in flight may be signing an older head.
    await checkpointing;
    await checkpointHead();
    state = 'closed';
    if (probeTimer) clearTimeout(probeTimer);
    probeTimer = null;
    if (checkpointTimer) clearTimeout(checkpointTimer);
    checkpointTimer = null;
    log.info({ seq: head?.seq ?? null }, 'ledger writer closed');
  }

  function flush(): Promise<void> {
    if (settledTotal >= queuedTotal) return Promise.resolve();
    const flushed = new Promise<void>((resolve) => flushWaiters.push({ target: queuedTotal, resolve }));
    // Later batches start as soon as the one before commits, so only an idle wait needs cutting short.
    if (inFlight === 0) writeNow();
    return flushed;
  }

  return {
    writerId,

    start() {
      if (state === 'closing' || state === 'closed') return Promise.reject(meridianError('LEDGER_UNAVAILABLE'));
      if (!starting) {
        state = 'starting';
        starting = registerAndReadHead();
      }
      return starting;
    },

    append(record) {
      if (state !== 'running') {
        log.warn({ exchangeId: record.exchangeId, state }, 'ledger append refused: writer not running');
        return Promise.reject(meridianError('LEDGER_UNAVAILABLE'));
      }
      let stored: ExchangeRecord;
      try {
        stored = normalizeRecord(record);
      } catch (error) {
        log.error({ exchangeId: record.exchangeId, error: messageOf(error) }, 'ledger append refused: record cannot be stored');
        return Promise.reject(meridianError('LEDGER_UNAVAILABLE'));
      }
      return new Promise<ChainedRecord>((resolve, reject) => {
        queue.push({ record: stored, resolve, reject });
        queuedTotal += 1;
        schedule();
      });
    },

    flush,

    close() {
      closing ??= closeWriter();
      return closing;
    },

    health() {
      return {
        ok: state === 'running' && !lastBatchFailed,
        pending: queue.length + inFlight,
        lastCommitAt,
        lastError,
        writerId,
      };
    },
  };
}

const PROBE_FIRST_DELAY_MS = 1000;
const PROBE_MAX_DELAY_MS = 30_000;
const DEFAULT_CHECKPOINT_EVERY = 1000;
const DEFAULT_CHECKPOINT_INTERVAL_MS = 60_000;

/** Stores a signed checkpoint; a head signed twice (a retried commit that had succeeded) keeps its first signature. */
async function insertCheckpoint(knex: Knex | Knex.Transaction, checkpoint: Checkpoint, keyId: number): Promise<void> {
  await knex('ledger_checkpoints')
    .insert({
      writer_id: checkpoint.writerId,
      seq: checkpoint.seq,
      hash: checkpoint.hash,
      at: checkpoint.at,
      signature: checkpoint.signature,
      key_id: keyId,
    })
    .onConflict(['writer_id', 'seq'])
    .ignore();
}

/** A record that is never committed: the probe's rolled-back INSERT. */
function probeExchange(now: Date): ExchangeRecord {
  const at = now.toISOString();
  return normalizeRecord({
    exchangeId: randomUUID(),
    requestId: 'ledger-probe',
    traceId: null,
    at,
    finishedAt: at,
    consumerDepartment: '-',
    consumerApp: 'ledger-probe',
    onBehalfOf: null,
    providerDepartment: '-',
    resourceCode: '-',
    resourceVersion: 0,
    operation: 'probe',
    items: [],
    returnedItems: [],
    maskedItems: [],
    rows: 0,
    bytes: 0,
    durationMs: 0,
    outcome: 'ERROR',
    errorCode: null,
    decisionId: 'ledger-probe',
    grantId: null,
  });
}

/** The last committed record of a writer's chain, or the genesis position. */
async function readHead(knex: Knex | Knex.Transaction, writerId: string): Promise<ChainHead> {
  const last = (await knex('ledger_records')
    .where('writer_id', writerId)
    .orderBy('seq', 'desc')
    .first('seq', 'hash')) as { seq: number | string; hash: string } | undefined;
  return last ? { seq: Number(last.seq), hash: last.hash } : { seq: 0, hash: GENESIS_HASH };
}

function checkOptions(options: LedgerWriterOptions): void {
  const problems: string[] = [];
  if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1 || options.maxBatch > MAX_LEDGER_BATCH) {
    problems.push(`ledger.maxBatch must be an integer from 1 to ${MAX_LEDGER_BATCH}`);
  }
  if (!Number.isFinite(options.maxWaitMs) || options.maxWaitMs < 0) {
    problems.push('ledger.maxWaitMs must be a number of milliseconds, 0 or more');
  }
  if (options.checkpointEvery !== undefined && (!Number.isInteger(options.checkpointEvery) || options.checkpointEvery < 1)) {
    problems.push('ledger.checkpointEvery must be a whole number of records, 1 or more');
  }
  if (
    options.checkpointIntervalMs !== undefined &&
    (!Number.isFinite(options.checkpointIntervalMs) || options.checkpointIntervalMs <= 0)
  ) {
    problems.push('ledger.checkpointIntervalMs must be a number of milliseconds above 0');
  }
  if (options.writerId !== undefined && (options.writerId === '' || options.writerId.includes('\u0000'))) {
    problems.push('ledger writerId must be a non-empty string without NUL');
  }
  if (problems.length > 0) throw meridianError('CONFIG_INVALID', { problems: problems.join('; ') });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
