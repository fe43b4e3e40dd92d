/**
 * Offline verification of an export file (see exportLedger.ts), with no
 * database: the file is read line by line, each record parsed back into the
 * ChainedRecord that was hashed, and each writer's chain recomputed from the
 * anchor in the trailer (firstSeq, firstPrevHash). The checks: every record's
 * hash, seq continuity, the link of each record to the one before it, the
 * trailer's lastSeq, lastHash and counts, every checkpoint of the trailer
 * signed by a key the trailer lists for its writer and signing the hash of the
 * record at its seq in the file, and the trailer as the file's last line. A
 * problem reads "<kind>: <what was found>", with the kinds of verifyLedger.ts:
 *
 *   edited     a record's hash does not recompute from its contents, a record
 *              cannot be read, a record links to something other than the record
 *              before it, a checkpoint signed another hash, or the trailer
 *              disagrees with the records (lastHash, counts)
 *   deleted    a gap in the seq numbers, or records the trailer lists are missing at the end
 *   inserted   a second record with the same seq, a record before the anchor,
 *              records beyond the trailer's lastSeq, records of a writer the
 *              trailer does not list, or lines after the trailer
 *   reordered  a record comes before one with a lower seq (lines moved)
 *   truncated  the file does not end with its trailer (cut short), or a
 *              checkpoint signs a record beyond the end of the records (the
 *              file was cut and the trailer rewritten to match)
 *   forged     a checkpoint whose signature does not verify with the key it names
 *
 * firstBadSeq is the seq of the first record that does not follow from the one
 * before it (for a deletion or a move: the record after the gap; for records
 * missing at the end or a cut file: the first missing seq).
 *
 * What an offline check cannot prove: the trailer is part of the file, so a
 * forger who rewrites records and trailer together (new hashes, lastHash,
 * counts) is caught only by the signed checkpoints, and one who also drops
 * the checkpoints or replaces the public keys and signs again is not caught
 * at all. An auditor therefore compares the trailer's chain heads (lastSeq,
 * lastHash) and public keys with the live database (`meridian ledger verify`,
 * ledger_writer_keys) or with an earlier export: the report carries them.
 *
 * Memory stays flat whatever the file's size: one line at a time, and per
 * writer its position in the chain and its trailer entry. The trailer, at the
 * end, is read first by reading the file backwards from its end.
 */
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { badInput } from '../common/index.js';
import type { ChainedRecord } from './ExchangeRecord.js';
import { canonicalRecord, hashRecord } from './chainHash.js';
import { verifyCheckpoint } from './checkpointSignature.js';
import {
  CSV_TRAILER_PREFIX,
  EXPORT_FIELDS,
  EXPORT_FORMAT_VERSION,
  type ExportFormat,
  type ExportTrailer,
  type ExportedChain,
  type ExportedCheckpoint,
} from './exportLedger.js';
import type { ChainProblemKind } from './verifyLedger.js';

/** One writer's stretch of chain in an export file, as verified. */
export interface ExportChainReport {
  readonly writer: string;
  /** Record lines of the writer in the file (counted past a break too). */
  readonly records: number;
  readonly ok: boolean;
  /** Null when ok, and when only a count of the trailer is wrong. */
  readonly firstBadSeq: number | null;
  /** "<kind>: <details>", see ChainProblemKind. */
  readonly problem: string | null;
  /** The stretch as the trailer describes it (heads, keys, checkpoints); null when the trailer does not list the writer or is missing. */
  readonly chain: ExportedChain | null;
}

/** The verification of one export file. */
export interface ExportFileVerification {
  /** True when the file ends with its trailer and every writer's stretch is whole. */
  readonly ok: boolean;
  readonly format: ExportFormat;
  /** Record lines in the file. */
  readonly records: number;
  /** The window the trailer states; null without a readable trailer. */
  readonly window: { readonly from: string; readonly to: string } | null;
  /** The writers the trailer lists, in its order, then any others the file holds. */
  readonly writers: readonly ExportChainReport[];
  /** A problem of the file as a whole ("truncated: ..."), beside those of the writers. */
  readonly problem: string | null;
}

/** Longest line read: far beyond any record or trailer, short of exhausting memory on a file that is not an export. */
const MAX_LINE_CHARS = 64 * 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;
const CSV_HEADER = EXPORT_FIELDS.join(',');
const JSONL_TRAILER_START = '{"trailer":';

type FieldKind = 'seq' | 'number' | 'string' | 'nullable' | 'list';

/** How each field is written and read back: the table that keeps parsing exact. */
const FIELD_KINDS = {
  writerId: 'string',
  seq: 'seq',
  prevHash: 'string',
  hash: 'string',
  exchangeId: 'string',
  requestId: 'string',
  traceId: 'nullable',
  at: 'string',
  finishedAt: 'string',
  consumerDepartment: 'string',
  consumerApp: 'string',
  onBehalfOf: 'nullable',
  providerDepartment: 'string',
  resourceCode: 'string',
  resourceVersion: 'number',
  operation: 'string',
  items: 'list',
  returnedItems: 'list',
  maskedItems: 'list',
  rows: 'number',
  bytes: 'number',
  durationMs: 'number',
  outcome: 'string',
  errorCode: 'nullable',
  decisionId: 'string',
  grantId: 'nullable',
} as const satisfies Record<keyof ChainedRecord, FieldKind>;

/** A JSON number, as JavaScript's String(number) writes one. */
const NUMBER_TEXT = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** One line (or CSV row) of the file holding a record, read or not. */
interface Entry {
  readonly line: number;
  readonly seq: number;
  readonly prevHash: string | null;
  /** Null when the line cannot be read as a record: `why` says why. */
  readonly record: ChainedRecord | null;
  readonly why: string | null;
}

interface Break {
  readonly seq: number | null;
  readonly problem: string;
}

interface Link {
  readonly seq: number;
  readonly hash: string;
  readonly label: string;
  readonly kind: 'anchor' | 'record';
  readonly line: number | null;
}

/** Why a file holds no usable trailer, for the writers' reports. */
interface MissingTrailer {
  readonly kind: ChainProblemKind;
  readonly why: string;
}

/** Verifies the export file at `path` offline; throws BAD_USER_INPUT when it cannot be read or is not an export. */
export async function verifyExportFile(path: string): Promise<ExportFileVerification> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw badInput(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let size: number;
  let format: ExportFormat | null;
  let tail: LastLine;
  try {
    size = (await handle.stat()).size;
    if (size === 0) {
      return { ok: false, format: 'jsonl', records: 0, window: null, writers: [], problem: 'truncated: the file is empty' };
    }
    format = await formatOf(handle, size);
    if (!format) throw badInput(`${path} is not a Meridian ledger export: its first line is neither a JSON record nor the CSV header`);
    tail = await readLastLine(handle, size);
  } finally {
    await handle.close();
  }

  const found = trailerOf(tail, format);
  if (found.trailer) return (await verifyLines(path, format, { end: tail.start, trailer: found.trailer, trailerLine: null })).verification;

  const cutInsideLastLine = !tail.terminated && !found.looksLikeTrailer;
  const end = found.looksLikeTrailer ? tail.start : size;
  const pass = await verifyLines(path, format, { end, trailer: null, trailerLine: null, missing: found.missing, cutInsideLastLine });
  if (pass.stray && !found.looksLikeTrailer) {
    // A trailer in the middle and lines after it: verify against it, and name the added lines.
    return (await verifyLines(path, format, { end: size, trailer: pass.stray.trailer, trailerLine: pass.stray.line, cutInsideLastLine })).verification;
  }
  return pass.verification;
}

/** The outcome of a pass, and a trailer met in the middle of the file. */
interface Pass {
  readonly verification: ExportFileVerification;
  readonly stray: { readonly line: number; readonly trailer: ExportTrailer } | null;
}

interface PassOptions {
  /** Byte offset the records end at: the start of the trailer line, or the end of the file. */
  readonly end: number;
  readonly trailer: ExportTrailer | null;
  /** The line of a trailer met in the middle of the file, which a second pass verifies against. */
  readonly trailerLine: number | null;
  readonly missing?: MissingTrailer;
  /** The file ends inside its last line (no final line break). */
  readonly cutInsideLastLine?: boolean;
}

async function verifyLines(path: string, format: ExportFormat, options: PassOptions): Promise<Pass> {
  const { trailer } = options;
  const fileProblems: string[] = [];
  const walks = new Map<string, WriterWalk>();
  if (trailer) {
    for (const chain of trailer.chains) {
      if (walks.has(chain.writer)) fileProblems.push(`edited: the trailer lists writer ${chain.writer} twice`);
      else walks.set(chain.writer, new WriterWalk(chain.writer, chain));
    }
    const listed = trailer.chains.reduce((sum, chain) => sum + chain.records, 0);
    if (listed !== trailer.records) fileProblems.push(`edited: the trailer counts ${trailer.records} record(s) in all, but ${listed} writer by writer`);
  }
  let stray: Pass['stray'] = null;
  let cutLine: number | null = null;
  let linesAfterTrailer = 0;
  let unreadable: { line: number; why: string } | null = null;

  for await (const row of rows(path, format, options.end)) {
    if (row.last && options.cutInsideLastLine) {
      // What the cut left of the last line is no record: the chain ends before it.
      cutLine = row.line;
      continue;
    }
    if (row.kind === 'trailer') {
      if (row.line === options.trailerLine) continue;
      const parsed = parseTrailerText(row.text);
      if (!trailer && !stray && parsed.trailer) stray = { line: row.line, trailer: parsed.trailer };
      else fileProblems.push(`inserted: line ${row.line} is a second trailer; a file has one, on its last line`);
      continue;
    }
    if (options.trailerLine !== null && row.line > options.trailerLine) linesAfterTrailer += 1;
    if (row.kind === 'unreadable') {
      unreadable ??= { line: row.line, why: row.why };
      continue;
    }
    let walk = walks.get(row.writer);
    if (!walk) {
      walk = new WriterWalk(row.writer, null);
      walks.set(row.writer, walk);
    }
    walk.take(row.entry);
  }

  if (options.trailerLine !== null) {
    fileProblems.unshift(`inserted: ${linesAfterTrailer} line(s) follow the trailer on line ${options.trailerLine}; it must be the last line`);
  }
  if (unreadable) fileProblems.push(`edited: line ${unreadable.line} is not a record of any writer: ${unreadable.why}`);
  let missing = options.missing ?? null;
  if (!trailer && missing) {
    if (cutLine !== null) missing = { kind: 'truncated', why: `the file ends inside line ${cutLine}, without its trailer: it was cut short` };
    fileProblems.unshift(`${missing.kind}: ${missing.why}`);
  }

  const writers = [...walks.values()].map((walk) => walk.finish(trailer ? null : missing));
  const problem = fileProblems[0] ?? null;
  const verification: ExportFileVerification = {
    ok: problem === null && writers.every((writer) => writer.ok),
    format,
    records: writers.reduce((sum, writer) => sum + writer.records, 0),
    window: trailer ? { from: trailer.from, to: trailer.to } : null,
    writers,
    problem,
  };
  return { verification, stray };
}

/** One writer's chain, followed record by record. */
class WriterWalk {
  private records = 0;
  private previous: Link | null;
  private last: { seq: number; hash: string; line: number } | null = null;
  private firstSeen: number | null = null;
  private firstBad: Break | null = null;
  /** A break whose kind the records after it decide: a gap (deleted, or reordered if the missing records come later) or a wrong link. */
  private pending:
    | { kind: 'gap'; from: number; to: number; seq: number; line: number; after: string }
    | { kind: 'link'; seq: number; line: number; previous: Link }
    | null = null;
  private readonly checkpoints: ReadonlyMap<number, ExportedCheckpoint>;
  private readonly keys: ReadonlyMap<number, string>;
  private readonly visited = new Set<number>();

  constructor(
    private readonly writer: string,
    private readonly chain: ExportedChain | null,
  ) {
    this.checkpoints = new Map((chain?.checkpoints ?? []).map((checkpoint) => [checkpoint.seq, checkpoint]));
    this.keys = new Map((chain?.publicKeys ?? []).map((key) => [key.id, key.publicKey]));
    this.previous = chain
      ? { seq: chain.firstSeq - 1, hash: chain.firstPrevHash, label: `the trailer's anchor before record ${chain.firstSeq}`, kind: 'anchor', line: null }
      : null;
  }

  take(entry: Entry): void {
    this.records += 1;
    this.firstSeen ??= entry.seq;
    if (this.firstBad) return;
    if (this.pending && this.resolve(entry)) return;
    const previous = (this.previous ??= {
      // Without a trailer the first record is its own anchor.
      seq: entry.seq - 1,
      hash: entry.prevHash ?? '',
      label: `the start of the stretch`,
      kind: 'anchor',
      line: null,
    });
    const { seq, line } = entry;
    const expected = previous.seq + 1;
    this.previous = { seq, hash: entry.record?.hash ?? '', label: `record ${seq}`, kind: 'record', line };
    this.last = { seq, hash: entry.record?.hash ?? '', line };
    if (seq > expected) {
      this.pending = { kind: 'gap', from: expected, to: seq - 1, seq, line, after: previous.kind === 'anchor' ? 'the start of the stretch' : previous.label };
      return;
    }
    if (previous.kind === 'record' && seq === previous.seq) {
      this.firstBad = broken(seq, 'inserted', `a second record with seq ${seq} (lines ${previous.line} and ${line})`);
      return;
    }
    if (seq < expected) {
      this.firstBad =
        previous.kind === 'anchor' || (this.chain && seq < this.chain.firstSeq)
          ? broken(seq, 'inserted', `record ${seq} (line ${line}) comes before the start of the stretch, which the trailer puts at record ${this.chain?.firstSeq ?? expected}`)
          : broken(seq, 'inserted', `a second record with seq ${seq} (line ${line}, after record ${previous.seq})`);
      return;
    }
    if (entry.prevHash !== null && entry.prevHash !== previous.hash) {
      this.pending = { kind: 'link', seq, line, previous };
      return;
    }
    if (!entry.record) {
      this.firstBad = broken(seq, 'edited', `record ${seq} (line ${line}) cannot be read: ${entry.why}`);
      return;
    }
    const { hash, ...unhashed } = entry.record;
    if (hashRecord(unhashed.prevHash, canonicalRecord(unhashed)) !== hash) {
      this.firstBad = broken(seq, 'edited', `record ${seq} (line ${line}) was altered: its hash does not match its contents`);
      return;
    }
    this.firstBad = this.checkCheckpoint(seq, hash, line);
  }

  /** Decides a pending break from the next record; true when the break is decided or still waits. */
  private resolve(entry: Entry): boolean {
    const pending = this.pending!;
    if (pending.kind === 'gap') {
      if (entry.seq >= pending.from && entry.seq <= pending.to) {
        this.firstBad = broken(
          pending.seq,
          'reordered',
          `record ${pending.seq} (line ${pending.line}) stands where record ${pending.from} belongs, and record ${entry.seq} comes later ` +
            `(line ${entry.line}): lines of the file were moved`,
        );
      }
      // Until the end of the file shows whether the missing records come later, nothing after the gap counts.
      return true;
    }
    this.firstBad =
      entry.seq === pending.seq && entry.prevHash === pending.previous.hash
        ? broken(pending.seq, 'inserted', `records on lines ${pending.line} and ${entry.line} both have seq ${pending.seq}; the one on line ${pending.line} does not link to ${pending.previous.label}: it was inserted`)
        : this.wrongLink();
    this.pending = null;
    return true;
  }

  private wrongLink(): Break {
    const pending = this.pending as { seq: number; line: number; previous: Link };
    const { seq, line, previous } = pending;
    if (previous.kind === 'anchor' && this.chain) {
      return broken(seq, 'edited', `record ${seq} (line ${line}) does not link to the trailer's anchor: its prevHash is not the trailer's firstPrevHash (the record or the trailer was altered)`);
    }
    return broken(
      seq,
      'edited',
      `record ${seq} (line ${line}) does not link to ${previous.label}: its prevHash is not that record's hash ` +
        `(${previous.label} was altered and its hash recomputed, or record ${seq} was replaced)`,
    );
  }

  private checkCheckpoint(seq: number, hash: string, line: number): Break | null {
    const checkpoint = this.checkpoints.get(seq);
    if (!checkpoint) return null;
    this.visited.add(seq);
    const forged = this.checkSignature(checkpoint);
    if (forged) return forged;
    return checkpoint.hash === hash
      ? null
      : broken(seq, 'edited', `record ${seq} (line ${line}) is not the record checkpoint ${seq} signed (its hash differs): the chain was rewritten up to it`);
  }

  /** A `forged` break unless the checkpoint verifies with the key it names, among the keys the trailer lists for the writer. */
  private checkSignature(checkpoint: ExportedCheckpoint): Break | null {
    const publicKey = checkpoint.keyId === null ? undefined : this.keys.get(checkpoint.keyId);
    if (publicKey === undefined) {
      return broken(checkpoint.seq, 'forged', `checkpoint ${checkpoint.seq} names no key the trailer lists for writer ${this.writer}`);
    }
    const valid = verifyCheckpoint(publicKey, { writerId: this.writer, seq: checkpoint.seq, hash: checkpoint.hash, at: checkpoint.at, signature: checkpoint.signature });
    return valid ? null : broken(checkpoint.seq, 'forged', `the signature of checkpoint ${checkpoint.seq} does not verify with key ${checkpoint.keyId} of writer ${this.writer}`);
  }

  /** The report, once every line was read; `missing` says why the file has no usable trailer. */
  finish(missing: MissingTrailer | null): ExportChainReport {
    const firstBad = this.firstBad ?? this.endOfPending() ?? this.checkEnd(missing);
    return {
      writer: this.writer,
      records: this.records,
      ok: firstBad === null,
      firstBadSeq: firstBad?.seq ?? null,
      problem: firstBad?.problem ?? null,
      chain: this.chain,
    };
  }

  private endOfPending(): Break | null {
    const pending = this.pending;
    if (!pending) return null;
    if (pending.kind === 'link') return this.wrongLink();
    const missing = pending.from === pending.to ? `record ${pending.from} is missing` : `records ${pending.from} to ${pending.to} are missing`;
    return broken(pending.seq, 'deleted', `${missing} (record ${pending.seq} on line ${pending.line} follows ${pending.after})`);
  }

  private checkEnd(missing: MissingTrailer | null): Break | null {
    const { chain, last } = this;
    if (!chain) {
      const next = (last?.seq ?? 0) + 1;
      if (missing) return broken(next, missing.kind, `${missing.why}; nothing attests where the stretch of ${this.writer} ends (its last record here is ${last?.seq})`);
      return broken(this.firstSeen, 'inserted', `the trailer does not list writer ${this.writer}: its ${this.records} record(s) were added to the file`);
    }
    const unvisited = [...this.checkpoints.values()].filter((checkpoint) => !this.visited.has(checkpoint.seq)).sort((a, b) => a.seq - b.seq);
    for (const checkpoint of unvisited) {
      const forged = this.checkSignature(checkpoint);
      if (forged) return forged;
    }
    if (!last) return broken(chain.firstSeq, 'deleted', `the trailer lists records ${chain.firstSeq} to ${chain.lastSeq} of ${this.writer}, the file holds none`);
    if (last.seq < chain.lastSeq) {
      const gone = last.seq + 1 === chain.lastSeq ? `record ${chain.lastSeq} is missing` : `records ${last.seq + 1} to ${chain.lastSeq} are missing`;
      return broken(last.seq + 1, 'deleted', `${gone} at the end: the file's last record is ${last.seq}, the trailer's ${chain.lastSeq}`);
    }
    if (last.seq > chain.lastSeq) {
      return broken(chain.lastSeq + 1, 'inserted', `records ${chain.lastSeq + 1} to ${last.seq} follow the last record the trailer names (${chain.lastSeq})`);
    }
    if (last.hash !== chain.lastHash) {
      return broken(last.seq, 'edited', `the trailer's lastHash is not the hash of record ${last.seq} (line ${last.line}), the last record: the trailer or the record was altered`);
    }
    const beyond = unvisited.find((checkpoint) => checkpoint.seq > last.seq);
    if (beyond) {
      return broken(
        last.seq + 1,
        'truncated',
        `checkpoint ${beyond.seq} signs record ${beyond.seq}, but the stretch ends at record ${last.seq}: records were cut from the end and the trailer rewritten to match`,
      );
    }
    const before = unvisited.find((checkpoint) => checkpoint.seq < chain.firstSeq);
    if (before) return broken(chain.firstSeq, 'edited', `the trailer lists checkpoint ${before.seq}, before the stretch starts at record ${chain.firstSeq}`);
    if (this.records !== chain.records) return { seq: null, problem: `edited: the trailer counts ${chain.records} record(s) of ${this.writer}, the file holds ${this.records}` };
    return null;
  }
}

function broken(seq: number | null, kind: ChainProblemKind, details: string): Break {
  return { seq, problem: `${kind}: ${details}` };
}

// ---------------------------------------------------------------------------------------------
// Reading the file: its format, its last line, and its rows.

/** JSON Lines when the first line is a JSON object, CSV when it is the header; null otherwise. */
async function formatOf(handle: FileHandle, size: number): Promise<ExportFormat | null> {
  const head = Buffer.alloc(Math.min(size, CHUNK_BYTES));
  await handle.read(head, 0, head.length, 0);
  const text = withoutBom(head.toString('utf8'));
  if (text.startsWith('{')) return 'jsonl';
  const newline = text.indexOf('\n');
  const first = newline === -1 ? text : text.slice(0, newline).replace(/\r$/, '');
  // A file cut inside its header is still a CSV export, cut short.
  if (first === CSV_HEADER || (newline === -1 && size === head.length && CSV_HEADER.startsWith(first))) return 'csv';
  return null;
}

interface LastLine {
  /** Byte offset of the line's start. */
  readonly start: number;
  /** Null when longer than MAX_LINE_CHARS. */
  readonly text: string | null;
  /** Whether a line break follows it (the file was not cut inside it). */
  readonly terminated: boolean;
}

/** The last line that is not blank, read backwards from the end of the file. */
async function readLastLine(handle: FileHandle, size: number): Promise<LastLine> {
  const chunks: Buffer[] = [];
  let position = size;
  let end: number | null = null;
  let terminated = false;
  while (position > 0) {
    const length = Math.min(CHUNK_BYTES, position);
    position -= length;
    const chunk = Buffer.alloc(length);
    await handle.read(chunk, 0, length, position);
    let i = length - 1;
    if (end === null) {
      // Skip trailing blank space; a line break among it means the last line was complete.
      while (i >= 0 && (chunk[i] === NEWLINE || chunk[i] === 0x0d || chunk[i] === 0x20 || chunk[i] === 0x09)) {
        if (chunk[i] === NEWLINE) terminated = true;
        i -= 1;
      }
      if (i < 0) continue;
      end = position + i + 1;
    }
    const newline = chunk.lastIndexOf(NEWLINE, i);
    chunks.unshift(chunk.subarray(newline + 1, i + 1));
    if (newline !== -1) return lastLine(chunks, position + newline + 1, terminated);
    if (end - position > MAX_LINE_CHARS) return { start: position, text: null, terminated };
  }
  return lastLine(chunks, 0, terminated);
}

function lastLine(chunks: Buffer[], start: number, terminated: boolean): LastLine {
  return { start, text: withoutBom(Buffer.concat(chunks).toString('utf8')), terminated };
}

/** The trailer the last line holds, or why there is none. */
function trailerOf(
  tail: LastLine,
  format: ExportFormat,
): { trailer: ExportTrailer; missing?: never; looksLikeTrailer: true } | { trailer: null; missing: MissingTrailer; looksLikeTrailer: boolean } {
  const text = tail.text ?? '';
  const looksLikeTrailer = format === 'csv' ? text.startsWith(CSV_TRAILER_PREFIX) : text.startsWith(JSONL_TRAILER_START);
  if (!looksLikeTrailer) {
    return { trailer: null, missing: { kind: 'truncated', why: 'the file does not end with its trailer: it was cut short' }, looksLikeTrailer };
  }
  const parsed = parseTrailerText(text);
  if (parsed.trailer) return { trailer: parsed.trailer, looksLikeTrailer: true };
  if (!tail.terminated) return { trailer: null, missing: { kind: 'truncated', why: 'the file ends inside its trailer: it was cut short' }, looksLikeTrailer };
  return { trailer: null, missing: { kind: 'edited', why: `the trailer cannot be read: ${parsed.why}` }, looksLikeTrailer };
}

/** Reads a trailer line of either format; throws BAD_USER_INPUT for a trailer of another format version. */
function parseTrailerText(text: string): { trailer: ExportTrailer; why?: never } | { trailer: null; why: string } {
  let value: unknown;
  try {
    const json = JSON.parse(text.startsWith(CSV_TRAILER_PREFIX) ? text.slice(CSV_TRAILER_PREFIX.length) : text) as unknown;
    value = text.startsWith(CSV_TRAILER_PREFIX) ? json : (json as { trailer?: unknown } | null)?.trailer;
  } catch (error) {
    return { trailer: null, why: error instanceof Error ? error.message : String(error) };
  }
  const format = (value as { format?: unknown } | null | undefined)?.format;
  if (typeof format === 'string' && format !== EXPORT_FORMAT_VERSION && format.startsWith('meridian-ledger-export/')) {
    throw badInput(`the file is an export of format ${format}; this verifier reads ${EXPORT_FORMAT_VERSION}`);
  }
  try {
    return { trailer: toTrailer(value) };
  } catch (error) {
    return { trailer: null, why: error instanceof Error ? error.message : String(error) };
  }
}

/** The trailer, its shape checked, so that the verifier never trips on a hand-edited one. */
function toTrailer(value: unknown): ExportTrailer {
  const trailer = object(value, 'the trailer');
  if (trailer.format !== EXPORT_FORMAT_VERSION) throw new TypeError(`its format is not ${EXPORT_FORMAT_VERSION}`);
  return {
    format: EXPORT_FORMAT_VERSION,
    from: string(trailer.from, 'from'),
    to: string(trailer.to, 'to'),
    records: count(trailer.records, 'records'),
    chains: list(trailer.chains, 'chains').map((item, i) => {
      const chain = object(item, `chains[${i}]`);
      return {
        writer: string(chain.writer, `chains[${i}].writer`),
        firstSeq: count(chain.firstSeq, `chains[${i}].firstSeq`),
        firstPrevHash: string(chain.firstPrevHash, `chains[${i}].firstPrevHash`),
        lastSeq: count(chain.lastSeq, `chains[${i}].lastSeq`),
        lastHash: string(chain.lastHash, `chains[${i}].lastHash`),
        records: count(chain.records, `chains[${i}].records`),
        publicKeys: list(chain.publicKeys, `chains[${i}].publicKeys`).map((key, k) => {
          const fields = object(key, `chains[${i}].publicKeys[${k}]`);
          return { id: count(fields.id, `chains[${i}].publicKeys[${k}].id`), publicKey: string(fields.publicKey, `chains[${i}].publicKeys[${k}].publicKey`) };
        }),
        checkpoints: list(chain.checkpoints, `chains[${i}].checkpoints`).map((checkpoint, c) => {
          const fields = object(checkpoint, `chains[${i}].checkpoints[${c}]`);
          const at = `chains[${i}].checkpoints[${c}]`;
          return {
            seq: count(fields.seq, `${at}.seq`),
            hash: string(fields.hash, `${at}.hash`),
            at: string(fields.at, `${at}.at`),
            signature: string(fields.signature, `${at}.signature`),
            keyId: fields.keyId === null ? null : count(fields.keyId, `${at}.keyId`),
          };
        }),
      };
    }),
  };
}

function object(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${name} is not an object`);
  return value as Record<string, unknown>;
}

function list(value: unknown, name: string): unknown[] {
  if (!Array.isArray(value)) throw new TypeError(`${name} is not a list`);
  return value;
}

function string(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new TypeError(`${name} is not a string`);
  return value;
}

function count(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new TypeError(`${name} is not a whole number`);
  return value;
}

function withoutBom(text: string): string {
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

/** What one line (or CSV row) of the file holds. */
type Row =
  | { readonly kind: 'record'; readonly line: number; readonly last: boolean; readonly writer: string; readonly entry: Entry }
  | { readonly kind: 'unreadable'; readonly line: number; readonly last: boolean; readonly why: string }
  | { readonly kind: 'trailer'; readonly line: number; readonly last: boolean; readonly text: string };

/** The rows of bytes [0, end) of the file, after the CSV header; blank lines are skipped. */
async function* rows(path: string, format: ExportFormat, end: number): AsyncGenerator<Row> {
  let row: { text: string; line: number } | null = null;
  let inQuotes = false;
  for await (const { text, line, last } of physicalLines(path, end)) {
    if (format === 'jsonl') {
      if (text.trim() === '') continue;
      yield jsonRow(line === 1 ? withoutBom(text) : text, line, last);
      continue;
    }
    if (line === 1) continue;
    if (row === null) {
      if (text.trim() === '') continue;
      if (text.startsWith(CSV_TRAILER_PREFIX)) {
        yield { kind: 'trailer', line, last, text };
        continue;
      }
      row = { text, line };
    } else {
      // The line break was inside a quoted cell: it is part of the value.
      row.text += `\n${text}`;
    }
    // RFC 4180 doubles quotes inside a quoted cell, so an odd count of them opens or closes one.
    if (countQuotes(text) % 2 === 1) inQuotes = !inQuotes;
    if (inQuotes && !last) continue;
    yield csvRow(row.text.replace(/\r$/, ''), row.line, last);
    row = null;
    inQuotes = false;
  }
}

function countQuotes(text: string): number {
  let quotes = 0;
  for (let i = text.indexOf('"'); i !== -1; i = text.indexOf('"', i + 1)) quotes += 1;
  return quotes;
}

/**
 * The lines of bytes [0, end) of the file, split at LF only. Not readline:
 * it also splits at a lone CR, which inside a quoted CSV cell is part of the value.
 */
async function* physicalLines(path: string, end: number): AsyncGenerator<{ text: string; line: number; last: boolean }> {
  if (end <= 0) return;
  const stream = createReadStream(path, { start: 0, end: end - 1, encoding: 'utf8', highWaterMark: CHUNK_BYTES });
  let pieces: string[] = [];
  let length = 0;
  let line = 0;
  for await (const chunk of stream as AsyncIterable<string>) {
    let from = 0;
    for (let newline = chunk.indexOf('\n'); newline !== -1; newline = chunk.indexOf('\n', from)) {
      pieces.push(chunk.slice(from, newline));
      line += 1;
      yield { text: pieces.join(''), line, last: false };
      pieces = [];
      length = 0;
      from = newline + 1;
    }
    if (from < chunk.length) {
      pieces.push(chunk.slice(from));
      length += chunk.length - from;
      if (length > MAX_LINE_CHARS) {
        stream.destroy();
        throw badInput(`line ${line + 1} of ${path} is longer than ${MAX_LINE_CHARS / 1024 / 1024} MiB: not a Meridian ledger export`);
      }
    }
  }
  if (pieces.length > 0) yield { text: pieces.join(''), line: line + 1, last: true };
}

function jsonRow(text: string, line: number, last: boolean): Row {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: 'unreadable', line, why: `not JSON (${error instanceof Error ? error.message : String(error)})`, last };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { kind: 'unreadable', line, why: 'not a JSON object', last };
  if ('trailer' in value) return { kind: 'trailer', line, last, text };
  const fields = value as Record<string, unknown>;
  const extra = Object.keys(fields).filter((key) => !(key in FIELD_KINDS));
  return entryOf(line, last, (field) => (field in fields ? { value: fields[field] } : null), extra.length > 0 ? `it has fields no record has: ${extra.join(', ')}` : null);
}

function csvRow(text: string, line: number, last: boolean): Row {
  const cells = csvCells(text);
  if (typeof cells === 'string') return { kind: 'unreadable', line, why: cells, last };
  if (cells.length !== EXPORT_FIELDS.length) {
    return { kind: 'unreadable', line, why: `it has ${cells.length} cells, a record ${EXPORT_FIELDS.length}`, last };
  }
  const byField = new Map(EXPORT_FIELDS.map((field, i) => [field as string, cells[i]!]));
  return entryOf(line, last, (field) => {
    const cell = byField.get(field)!;
    return { value: cellValue(cell, FIELD_KINDS[field as keyof ChainedRecord]) };
  }, null);
}

/** A cell's value in the JSON sense: null for an unquoted empty cell, lists parsed, numbers still text. */
function cellValue(cell: CsvCell, kind: FieldKind): unknown {
  if (!cell.quoted && cell.text === '') return null;
  if (kind === 'list') {
    try {
      return JSON.parse(cell.text) as unknown;
    } catch {
      return cell.text;
    }
  }
  if ((kind === 'number' || kind === 'seq') && NUMBER_TEXT.test(cell.text)) return Number(cell.text);
  return cell.text;
}

/** The record a line holds, field by field through `read` (null for a field the line lacks). */
function entryOf(line: number, last: boolean, read: (field: string) => { value: unknown } | null, extra: string | null): Row {
  const values: Record<string, unknown> = {};
  const problems: string[] = extra ? [extra] : [];
  for (const field of EXPORT_FIELDS) {
    const found = read(field);
    if (!found) {
      problems.push(`it has no ${field}`);
      continue;
    }
    const problem = fieldProblem(found.value, FIELD_KINDS[field]);
    if (problem) problems.push(`${field} ${problem}`);
    else values[field] = found.value;
  }
  const writer = typeof values.writerId === 'string' ? values.writerId : null;
  const seq = typeof values.seq === 'number' ? values.seq : null;
  if (writer === null || seq === null) {
    return { kind: 'unreadable', line, why: problems.join('; '), last };
  }
  const prevHash = typeof values.prevHash === 'string' ? values.prevHash : null;
  const record = problems.length === 0 ? (values as unknown as ChainedRecord) : null;
  return { kind: 'record', line, last, writer, entry: { line, seq, prevHash, record, why: problems.length === 0 ? null : problems.join('; ') } };
}

function fieldProblem(value: unknown, kind: FieldKind): string | null {
  switch (kind) {
    case 'seq':
      return typeof value === 'number' && Number.isSafeInteger(value) ? null : 'is not a whole number';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'is not a number';
    case 'string':
      return typeof value === 'string' ? null : value === null ? 'is null (an unquoted empty cell), which it never is' : 'is not a string';
    case 'nullable':
      return value === null || typeof value === 'string' ? null : 'is not a string or null';
    case 'list':
      return Array.isArray(value) && value.every((item) => typeof item === 'string') ? null : 'is not a JSON list of strings';
  }
}

interface CsvCell {
  readonly text: string;
  readonly quoted: boolean;
}

/** The cells of one CSV row (RFC 4180), or what is wrong with it. */
function csvCells(row: string): CsvCell[] | string {
  const cells: CsvCell[] = [];
  let i = 0;
  for (;;) {
    if (row[i] === '"') {
      let text = '';
      let j = i + 1;
      for (;;) {
        const close = row.indexOf('"', j);
        if (close === -1) return 'a quoted cell is not closed';
        text += row.slice(j, close);
        if (row[close + 1] === '"') {
          text += '"';
          j = close + 2;
          continue;
        }
        i = close + 1;
        break;
      }
      cells.push({ text, quoted: true });
      if (i === row.length) return cells;
      if (row[i] !== ',') return `a quoted cell is followed by ${JSON.stringify(row[i])}, not a comma`;
      i += 1;
    } else {
      const comma = row.indexOf(',', i);
      const text = comma === -1 ? row.slice(i) : row.slice(i, comma);
      if (text.includes('"')) return 'a quote inside an unquoted cell';
      cells.push({ text, quoted: false });
      if (comma === -1) return cells;
      i = comma + 1;
    }
  }
}
