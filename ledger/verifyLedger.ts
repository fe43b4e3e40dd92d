/**
 * The ledger verifier: recomputes each writer's hash chain from ledger_records,
 * checks its signed checkpoints, and reports the first break of each chain and
 * its kind. A problem is reported as "<kind>: <what was found>", the kind one of
 *
 *   edited     a record's hash does not recompute from its contents, or a record
 *              links to a hash no record has (an earlier record rewritten and
 *              rehashed, or this one replaced), or a checkpoint signed another hash
 *   deleted    a gap in the seq numbers
 *   inserted   a second record with the same seq, two records linking to the same
 *              predecessor, or a record before the start of the chain
 *   reordered  seq order and prevHash links disagree
 *   truncated  the last checkpoint signs a record beyond the end of the chain, or
 *              the record at its seq is not the one it signed
 *   forged     a checkpoint whose signature does not verify with a key of its writer
 *
 * firstBadSeq is the seq of the first record that does not follow from the one
 * before it (for a deletion: the record after the gap; for truncation: the
 * first missing seq). Records are read in pages, never a whole chain at once.
 *
 * With a window [from, to) the verifier checks the seq range that holds the
 * writer's records whose `at` lies in the window, starting from the stored hash
 * of the record just before that range (or the archive anchor when the chain's
 * start was archived), so a window in the middle of a chain is whole when the
 * chain is. Since `at` is when a request came in and seq when its record was
 * written, the range may hold a few records just outside the window.
 */
import type { Knex } from 'knex';
import { badInput } from '../common/index.js';
import type { ChainedRecord } from './ExchangeRecord.js';
import { GENESIS_HASH, canonicalRecord, hashRecord } from './chainHash.js';
import { verifyCheckpoint } from './checkpointSignature.js';
import { LEDGER_COLUMNS, rowToChainedRecord, type LedgerRow } from './ledgerRows.js';

/** Kinds of break, the first word of a report's problem. */
export type ChainProblemKind = 'edited' | 'deleted' | 'inserted' | 'reordered' | 'truncated' | 'forged';

export interface ChainReport {
  readonly writer: string;
  /** Records checked: the whole chain, or the window's seq range (counted past a break too). */
  readonly records: number;
  readonly ok: boolean;
  readonly firstBadSeq: number | null;
  /** "<kind>: <details>", see ChainProblemKind. */
  readonly problem: string | null;
  /** Seq of the writer's last checkpoint, whatever the window. */
  readonly lastCheckpointSeq: number | null;
}

export interface LedgerVerification {
  /** True when every writer's chain is whole. */
  readonly ok: boolean;
  /** One report per registered writer, in writer id order. */
  readonly writers: readonly ChainReport[];
}

export interface VerifyLedgerOptions {
  /** Check the records whose `at` is at or after this instant... */
  readonly from?: Date | string | null;
  /** ...and before this one. */
  readonly to?: Date | string | null;
  /** Records read per query (default 2000). */
  readonly pageSize?: number;
}

const DEFAULT_PAGE_SIZE = 2000;

interface Window {
  readonly from: Date | null;
  readonly to: Date | null;
}

/** Where a walk starts: the link the first record checked must follow. */
interface Link {
  readonly seq: number;
  readonly hash: string;
  /** What the link is, in problem texts: "record 4", "the start of the chain", ... */
  readonly label: string;
  /** A stored record, the archive anchor of archived records, or the genesis before seq 1. */
  readonly kind: 'record' | 'anchor' | 'genesis';
}

interface CheckpointRow {
  readonly seq: number | string;
  readonly hash: string;
  readonly at: Date;
  readonly signature: string;
  readonly key_id: number | string | null;
}

interface Break {
  readonly seq: number;
  readonly problem: string;
}

type WalkedRow = LedgerRow & { readonly at_cursor: string };

/** Verifies every registered writer's chain, whole or within [from, to). */
export async function verifyLedger(knex: Knex, options: VerifyLedgerOptions = {}): Promise<LedgerVerification> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw badInput('pageSize must be a whole number of records, 1 or more');
  const window = { from: instant('from', options.from), to: instant('to', options.to) };
  if (window.from && window.to && window.from >= window.to) throw badInput('`from` must be before `to`');
  const writers = (await knex('ledger_writers').orderBy('id').select('id')) as { id: string }[];
  const reports: ChainReport[] = [];
  for (const { id } of writers) reports.push(await verifyWriter(knex, id, window, pageSize));
  return { ok: reports.every((report) => report.ok), writers: reports };
}

async function verifyWriter(knex: Knex, writer: string, window: Window, pageSize: number): Promise<ChainReport> {
  const keys = await writerKeys(knex, writer);
  const lastCheckpoint = (await knex('ledger_checkpoints')
    .where('writer_id', writer)
    .orderBy('seq', 'desc')
    .first('seq', 'hash', 'at', 'signature', 'key_id')) as CheckpointRow | undefined;
  const lastCheckpointSeq = lastCheckpoint ? Number(lastCheckpoint.seq) : null;
  const anchor = (await knex('ledger_archives').where('writer_id', writer).orderBy('last_seq', 'desc').first('last_seq', 'last_hash')) as
    | { last_seq: number | string; last_hash: string }
    | undefined;
  const anchorLink: Link | null = anchor
    ? { seq: Number(anchor.last_seq), hash: anchor.last_hash, label: `the archived record ${anchor.last_seq}`, kind: 'anchor' }
    : null;
  const chainEnd = await lastRecord(knex, writer);

  let range: { start: Link; hi: number | null } | null;
  if (window.from || window.to) {
    const span = await windowSpan(knex, writer, window);
    range = span && { start: await linkBefore(knex, writer, span.lo, anchorLink), hi: span.hi };
  } else {
    range = { start: anchorLink ?? genesis(), hi: null };
  }

  let records = 0;
  let firstBad: Break | null = null;
  if (range) {
    const walked = await walk(knex, writer, range.start, range.hi, pageSize, keys, lastCheckpointSeq);
    records = walked.records;
    firstBad = walked.firstBad;
  }
  // The chain's end is only judged when the check reaches it: a window that ends earlier says nothing of the tail.
  const hi = range?.hi ?? null;
  const reachesEnd = !window.to || (hi !== null && chainEnd !== null && hi >= chainEnd.seq);
  if (!firstBad && reachesEnd && lastCheckpoint) {
    firstBad = await checkTail(knex, writer, lastCheckpoint, keys, chainEnd, anchorLink);
  }
  return {
    writer,
    records,
    ok: firstBad === null,
    firstBadSeq: firstBad?.seq ?? null,
    problem: firstBad?.problem ?? null,
    lastCheckpointSeq,
  };
}

/** Reads the records after `start` (up to seq `hi`) in (seq, at) pages and returns the first break. */
async function walk(
  knex: Knex,
  writer: string,
  start: Link,
  hi: number | null,
  pageSize: number,
  keys: ReadonlyMap<number, string>,
  lastCheckpointSeq: number | null,
): Promise<{ records: number; firstBad: Break | null }> {
  let records = 0;
  let firstBad: Break | null = null;
  let previous = start;
  let cursor: { seq: number; at: string } | null = null;
  for (;;) {
    const query = knex('ledger_records').where('writer_id', writer);
    // at as text keeps its microseconds, which a Date would lose: the cursor must be exact.
    if (cursor) query.whereRaw('(seq, at) > (?, ?::timestamptz)', [cursor.seq, cursor.at]);
    // A chain is read from its very first row when it starts at the genesis or an archive anchor, so a record
    // moved below seq 1, or put back among the archived seqs, is still seen.
    else if (start.kind === 'record') query.where('seq', '>', start.seq);
    if (hi !== null) query.where('seq', '<=', hi);
    const page = (await query
      .orderBy([{ column: 'seq' }, { column: 'at' }])
      .limit(pageSize)
      .select([...LEDGER_COLUMNS, knex.raw('at::text AS at_cursor')])) as WalkedRow[];
    const checkpoints: Map<number, CheckpointRow> =
      firstBad || page.length === 0 ? new Map<number, CheckpointRow>() : await checkpointsOf(knex, writer, page);
    for (const row of page) {
      records += 1;
      // After the first break the rest is only counted: the auditor needs where it starts.
      if (!firstBad) {
        firstBad = (await checkRecord(knex, writer, row, previous)) ?? checkCheckpoint(row, checkpoints, keys, lastCheckpointSeq);
        previous = { seq: Number(row.seq), hash: row.hash, label: `record ${row.seq}`, kind: 'record' };
      }
    }
    if (page.length < pageSize) break;
    const last = page[page.length - 1]!;
    cursor = { seq: Number(last.seq), at: last.at_cursor };
  }
  return { records, firstBad };
}

/** Null when `row` follows `previous`, else the break it shows. */
async function checkRecord(knex: Knex, writer: string, row: WalkedRow, previous: Link): Promise<Break | null> {
  const seq = Number(row.seq);
  const expected = previous.seq + 1;
  if (seq > expected) {
    const missing = seq - 1 === expected ? `record ${expected} is missing` : `records ${expected} to ${seq - 1} are missing`;
    return broken(seq, 'deleted', `${missing} (record ${seq} follows ${previous.label})`);
  }
  if (previous.kind === 'record' && seq === previous.seq) return broken(seq, 'inserted', `a second record with seq ${seq}`);
  if (previous.kind === 'anchor' && seq <= previous.seq) {
    return broken(seq, 'inserted', `record ${seq} comes before ${previous.label}, after which the stored chain continues`);
  }
  if (row.prev_hash !== previous.hash) return classifyLink(knex, writer, row, previous);
  let record: ChainedRecord;
  try {
    record = rowToChainedRecord(row);
  } catch (error) {
    return broken(seq, 'edited', `record ${seq} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  const { hash, ...unhashed } = record;
  if (hashRecord(unhashed.prevHash, canonicalRecord(unhashed)) !== hash) {
    return broken(seq, 'edited', `record ${seq} was altered: its hash does not match its contents`);
  }
  if (seq < expected) return broken(seq, 'inserted', `record ${seq} comes before the start of the chain`);
  return null;
}

/**
 * Names the break of a record whose prevHash is not the hash of the record
 * before it, from the record it does link to (if any) and that record's other
 * successors. Runs once per broken chain, so its unindexed lookups by hash are affordable.
 */
async function classifyLink(knex: Knex, writer: string, row: WalkedRow, previous: Link): Promise<Break> {
  const seq = Number(row.seq);
  const linked = (await knex('ledger_records')
    .where({ writer_id: writer, hash: row.prev_hash })
    .orderBy('seq')
    .first('seq', 'hash')) as { seq: number | string; hash: string } | undefined;
  if (!linked) {
    return broken(
      seq,
      'edited',
      `record ${seq} does not link to ${previous.label}: its prevHash is the hash of no record ` +
        `(${previous.label} was altered and its hash recomputed, or record ${seq} was replaced)`,
    );
  }
  const linkedSeq = Number(linked.seq);
  if (linkedSeq < seq) {
    const rival = (await knex('ledger_records')
      .where({ writer_id: writer, prev_hash: linked.hash })
      .whereNot('seq', seq)
      .orderBy('seq')
      .first('seq')) as { seq: number | string } | undefined;
    if (rival) {
      const [a, b] = [Number(rival.seq), seq].sort((x, y) => x - y) as [number, number];
      return broken(a, 'inserted', `records ${a} and ${b} both link to record ${linkedSeq}: one of them was inserted`);
    }
  }
  return broken(seq, 'reordered', `record ${seq} links to record ${linkedSeq}, not to ${previous.label} before it`);
}

/** The break shown by a checkpoint of `row`'s seq, if there is one: a bad signature or another hash. */
function checkCheckpoint(
  row: WalkedRow,
  checkpoints: ReadonlyMap<number, CheckpointRow>,
  keys: ReadonlyMap<number, string>,
  lastCheckpointSeq: number | null,
): Break | null {
  const seq = Number(row.seq);
  const checkpoint = checkpoints.get(seq);
  if (!checkpoint) return null;
  const forged = checkSignature(checkpoint, keys, row.writer_id);
  if (forged) return forged;
  if (checkpoint.hash === row.hash) return null;
  return seq === lastCheckpointSeq
    ? truncatedAt(seq)
    : broken(seq, 'edited', `record ${seq} is not the record checkpoint ${seq} signed (its hash differs): the chain was rewritten up to it`);
}

/** A `forged` break unless the checkpoint is signed by a registered key of its writer. */
function checkSignature(checkpoint: CheckpointRow, keys: ReadonlyMap<number, string>, writer: string): Break | null {
  const seq = Number(checkpoint.seq);
  const publicKey = checkpoint.key_id === null ? undefined : keys.get(Number(checkpoint.key_id));
  if (publicKey === undefined) return broken(seq, 'forged', `checkpoint ${seq} names no registered key of writer ${writer}`);
  const valid = verifyCheckpoint(publicKey, {
    writerId: writer,
    seq,
    hash: checkpoint.hash,
    at: checkpoint.at.toISOString(),
    signature: checkpoint.signature,
  });
  return valid ? null : broken(seq, 'forged', `the signature of checkpoint ${seq} does not verify with its writer's key`);
}

/** Whether the chain still reaches the last checkpoint, and holds at its seq the record it signed. */
async function checkTail(
  knex: Knex,
  writer: string,
  checkpoint: CheckpointRow,
  keys: ReadonlyMap<number, string>,
  chainEnd: { seq: number } | null,
  anchor: Link | null,
): Promise<Break | null> {
  const forged = checkSignature(checkpoint, keys, writer);
  if (forged) return forged;
  const seq = Number(checkpoint.seq);
  const endSeq = chainEnd?.seq ?? anchor?.seq ?? 0;
  if (endSeq < seq) {
    const ends = chainEnd ? `ends at record ${chainEnd.seq}` : 'holds no record';
    return broken(endSeq + 1, 'truncated', `the last checkpoint signs record ${seq}, but the chain ${ends}`);
  }
  if (anchor && seq <= anchor.seq) return seq === anchor.seq && checkpoint.hash !== anchor.hash ? truncatedAt(seq) : null;
  const signed = await knex('ledger_records').where({ writer_id: writer, seq, hash: checkpoint.hash }).first('seq');
  return signed ? null : truncatedAt(seq);
}

function broken(seq: number, kind: ChainProblemKind, details: string): Break {
  return { seq, problem: `${kind}: ${details}` };
}

function truncatedAt(seq: number): Break {
  const details = `record ${seq} is not the record the last checkpoint signed (its hash differs): the chain was cut and written again`;
  return broken(seq, 'truncated', details);
}

/** The checkpoints of the seqs `page` holds. */
async function checkpointsOf(knex: Knex, writer: string, page: readonly WalkedRow[]): Promise<Map<number, CheckpointRow>> {
  const rows = (await knex('ledger_checkpoints')
    .where('writer_id', writer)
    .whereBetween('seq', [Number(page[0]!.seq), Number(page[page.length - 1]!.seq)])
    .select('seq', 'hash', 'at', 'signature', 'key_id')) as CheckpointRow[];
  return new Map(rows.map((row) => [Number(row.seq), row]));
}

/** Every public key the writer registered, by key id. */
async function writerKeys(knex: Knex, writer: string): Promise<Map<number, string>> {
  const rows = (await knex('ledger_writer_keys').where('writer_id', writer).select('id', 'public_key')) as {
    id: number | string;
    public_key: string;
  }[];
  return new Map(rows.map((row) => [Number(row.id), row.public_key]));
}

async function lastRecord(knex: Knex, writer: string): Promise<{ seq: number } | null> {
  const row = (await knex('ledger_records').where('writer_id', writer).orderBy('seq', 'desc').first('seq')) as
    | { seq: number | string }
    | undefined;
  return row ? { seq: Number(row.seq) } : null;
}

/** The seq range of the writer's records whose `at` is in the window; null when it holds none. */
async function windowSpan(knex: Knex, writer: string, window: Window): Promise<{ lo: number; hi: number } | null> {
  const query = knex('ledger_records').where('writer_id', writer);
  if (window.from) query.where('at', '>=', window.from);
  if (window.to) query.where('at', '<', window.to);
  const [span] = (await query.min('seq as lo').max('seq as hi')) as { lo: number | string | null; hi: number | string | null }[];
  return span && span.lo !== null && span.hi !== null ? { lo: Number(span.lo), hi: Number(span.hi) } : null;
}

/** The link a window starting at seq `lo` continues: the stored record before it, else the archive anchor, else genesis. */
async function linkBefore(knex: Knex, writer: string, lo: number, anchor: Link | null): Promise<Link> {
  const query = knex('ledger_records').where('writer_id', writer).andWhere('seq', '<', lo);
  if (anchor) query.andWhere('seq', '>', anchor.seq);
  const below = (await query.orderBy([{ column: 'seq', order: 'desc' }, { column: 'at', order: 'desc' }]).first('seq', 'hash')) as
    | { seq: number | string; hash: string }
    | undefined;
  if (below) return { seq: Number(below.seq), hash: below.hash, label: `record ${below.seq}`, kind: 'record' };
  return anchor ?? genesis();
}

function genesis(): Link {
  return { seq: 0, hash: GENESIS_HASH, label: 'the start of the chain', kind: 'genesis' };
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function instant(name: string, value: Date | string | null | undefined): Date | null {
  if (value === null || value === undefined) return null;
  // An offset is required: a window read in the verifier's own time zone would differ between machines.
  const date = value instanceof Date ? value : ISO_DATE_TIME.test(value) ? new Date(value) : new Date(NaN);
  if (Number.isNaN(date.getTime())) {
    throw badInput(`\`${name}\` must be an ISO 8601 date-time with offset, such as 2024-01-31T08:00:00+08:00`);
  }
  return date;
}
