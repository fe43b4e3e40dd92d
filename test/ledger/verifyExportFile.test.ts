import assert from 'node:assert/strict';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { join } from 'node:path';
import type { Knex } from 'knex';
import {
  CSV_TRAILER_PREFIX,
  canonicalRecord,
  createCheckpointKey,
  exportLedger,
  hashRecord,
  signCheckpoint,
  verifyExportFile,
  type ChainedRecord,
  type ExchangeRecord,
  type ExportFileVerification,
  type ExportFormat,
  type ExportTrailer,
} from '../../ledger/index.js';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../support/databases.js';
import { temporaryFolder } from '../support/processRunner.js';
import { hourly, storedRecord, writeChain } from './ledgerChains.js';

/** Exports [from, to) of the ledger into `path` through a file stream, as the CLI does. */
async function exportTo(knex: Knex, path: string, format: ExportFormat, from: Date, to: Date): Promise<ExportTrailer> {
  const file = createWriteStream(path);
  const trailer = await exportLedger(knex, { from, to, format, pageSize: 5 }, async (chunk) => {
    if (!file.write(chunk)) await once(file, 'drain');
  });
  file.end();
  await finished(file);
  return trailer;
}

/** Values an exact CSV round trip must keep apart: null and "", quotes, separators, line breaks, a leading #; in the window from hour 4. */
function awkward(index: number): Partial<ExchangeRecord> {
  const texts = ['', 'plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\ronly', 'crlf\r\nend', '# meridian-ledger-export-trailer {}', '杭州 \u2028 é', ' padded '];
  const text = texts[index % texts.length]!;
  return {
    ...hourly(index + 4),
    requestId: text,
    traceId: index % 2 === 0 ? null : '',
    onBehalfOf: index % 3 === 0 ? null : index % 3 === 1 ? '' : '11330100MB1234567X',
    items: [text, '', 'x,y'],
    returnedItems: index % 2 === 0 ? [] : ['"quoted"'],
    maskedItems: [],
    rows: index === 0 ? 0 : 2_147_483_647,
    bytes: index,
    durationMs: [0, 0.001, 12345.678, 1e12, 45.25][index % 5]!,
    outcome: index % 4 === 0 ? 'ERROR' : 'OK',
    errorCode: index % 4 === 0 ? '' : index % 4 === 1 ? 'CONNECTOR_TIMEOUT' : null,
    grantId: index % 2 === 0 ? null : '',
    consumerApp: text === '' ? 'app' : text,
  };
}

function writerReport(verification: ExportFileVerification, writer: string) {
  const report = verification.writers.find((w) => w.writer === writer);
  assert.ok(report, `a report of ${writer}: ${JSON.stringify(verification)}`);
  return report;
}

const AWKWARD_WRITER = '#gw, "odd"';

describeEachDatabase('Ledger: verifying an export file offline', (get) => {
  let folder: ReturnType<typeof temporaryFolder>;
  let knex: Knex;
  // gw-a's records 5..20 and all of the awkward writer's fall in this window: gw-a's stretch is anchored mid-chain.
  const from = new Date(hourly(4).at!);
  const to = new Date(hourly(20).at!);

  before(async () => {
    folder = temporaryFolder('meridian-verify-export');
    knex = get().db.knex;
    await writeChain(knex, 'gw-a', 12, { record: hourly });
    // A second process continues gw-a with a key of its own: checkpoints 4, 8, 12 by the first key, 16, 20, 24 by the second.
    await writeChain(knex, 'gw-a', 12, { record: (i) => hourly(12 + i) });
    await writeChain(knex, AWKWARD_WRITER, 16, { record: awkward });
  });
  after(() => folder?.remove());

  for (const format of ['jsonl', 'csv'] as const) {
    it(`finds a ${format === 'csv' ? 'CSV' : 'JSON Lines'} export whole: every record reads back as hashed, every checkpoint verifies`, async () => {
      const path = join(folder.path, `whole.${format}`);
      const trailer = await exportTo(knex, path, format, from, to);
      const verification = await verifyExportFile(path);
      assert.equal(verification.ok, true, JSON.stringify(verification, null, 2));
      assert.equal(verification.format, format);
      assert.equal(verification.records, 32);
      assert.equal(verification.problem, null);
      assert.deepEqual(verification.window, { from: from.toISOString(), to: to.toISOString() });
      assert.deepEqual(
        verification.writers.map((w) => [w.writer, w.records, w.ok, w.chain?.firstSeq, w.chain?.lastSeq]),
        [
          [AWKWARD_WRITER, 16, true, 1, 16],
          ['gw-a', 16, true, 5, 20],
        ],
      );
      const a = trailer.chains.find((chain) => chain.writer === 'gw-a')!;
      assert.equal(a.firstPrevHash, (await storedRecord(knex, 'gw-a', 4)).hash, 'anchored on the record before the window');
      assert.deepEqual(a.checkpoints.map((c) => c.seq), [8, 12, 16, 20], 'the checkpoints of the stretch are in the trailer');
      const [first, second] = a.publicKeys.map((key) => key.id);
      assert.equal(a.publicKeys.length, 2, 'every key the writer registered');
      assert.deepEqual(a.checkpoints.map((c) => c.keyId), [first, first, second, second], 'each checkpoint names the key that signed it');
    });
  }

  it('keeps null and the empty string apart in CSV: null is an empty cell, "" a quoted one', async () => {
    const path = join(folder.path, 'nulls.csv');
    await exportTo(knex, path, 'csv', from, to);
    const text = readFileSync(path, 'utf8');
    const first = await storedRecord(knex, AWKWARD_WRITER, 1);
    assert.equal(first.requestId, '', 'the first record of the writer has an empty requestId');
    assert.equal(first.traceId, null);
    assert.ok(text.includes(`"#gw, ""odd""",1,${first.prevHash},${first.hash},${first.exchangeId},"",,`), 'an empty string quoted, null empty');
    assert.ok(text.includes('"# meridian-ledger-export-trailer {}"'), 'a cell starting with # is quoted, so no row reads as the trailer');
  });

  it('verifies the trailer of an empty window as a whole file of no records', async () => {
    const path = join(folder.path, 'empty.jsonl');
    await exportTo(knex, path, 'jsonl', new Date('2020-01-01T00:00:00Z'), new Date('2020-02-01T00:00:00Z'));
    const verification = await verifyExportFile(path);
    assert.deepEqual([verification.ok, verification.records, verification.writers, verification.problem], [true, 0, [], null]);
  });
});

/** The lines of an export file and ways to alter them, as a forger with a text editor would. */
class ExportText {
  lines: string[];

  constructor(
    text: string,
    readonly format: ExportFormat,
  ) {
    // The file ends with a line break: the last element is ''.
    this.lines = text.split('\n');
  }

  static read(path: string, format: ExportFormat): ExportText {
    return new ExportText(readFileSync(path, 'utf8'), format);
  }

  indexOf(writer: string, seq: number): number {
    const index = this.lines.findIndex((line) =>
      this.format === 'csv' ? line.startsWith(`${writer},${seq},`) : line.startsWith('{"writerId"') && matches(JSON.parse(line) as ChainedRecord, writer, seq),
    );
    assert.ok(index > 0 || (this.format === 'jsonl' && index === 0), `line of ${writer} ${seq}`);
    return index;
  }

  line(writer: string, seq: number): string {
    return this.lines[this.indexOf(writer, seq)]!;
  }

  get trailerIndex(): number {
    return this.lines.length - 2;
  }

  get trailer(): ExportTrailer {
    const line = this.lines[this.trailerIndex]!;
    return this.format === 'csv' ? (JSON.parse(line.slice(CSV_TRAILER_PREFIX.length)) as ExportTrailer) : (JSON.parse(line) as { trailer: ExportTrailer }).trailer;
  }

  set trailer(trailer: ExportTrailer) {
    this.lines[this.trailerIndex] = this.format === 'csv' ? `${CSV_TRAILER_PREFIX}${JSON.stringify(trailer)}` : JSON.stringify({ trailer });
  }

  /** `line` with its rows (3 in every record of the tamper chain) set to 777. */
  withRows777(line: string): string {
    const edited = this.format === 'csv' ? line.replace(',3,412,', ',777,412,') : line.replace('"rows":3,', '"rows":777,');
    assert.notEqual(edited, line);
    return edited;
  }

  write(path: string): string {
    writeFileSync(path, this.lines.join('\n'));
    return path;
  }
}

function matches(record: ChainedRecord, writer: string, seq: number): boolean {
  return record.writerId === writer && record.seq === seq;
}

function rehash(record: Omit<ChainedRecord, 'hash'>): ChainedRecord {
  const { hash: _old, ...unhashed } = record as ChainedRecord;
  return { ...unhashed, hash: hashRecord(unhashed.prevHash, canonicalRecord(unhashed)) };
}

describe('Ledger: an export file altered after the export', function () {
  this.timeout(60_000);
  let database: TestDatabase;
  let folder: ReturnType<typeof temporaryFolder>;
  const paths: Record<ExportFormat, string> = { jsonl: '', csv: '' };

  before(async () => {
    database = await createTestDatabase('pglite');
    folder = temporaryFolder('meridian-tamper-export');
    // Checkpoints at 4, 8, ..., 24 for gw-a and at 4 and 6 for gw-b; rows 3 and bytes 412 in every record.
    await writeChain(database.db.knex, 'gw-a', 24);
    await writeChain(database.db.knex, 'gw-b', 6);
    for (const format of ['jsonl', 'csv'] as const) {
      paths[format] = join(folder.path, `export.${format}`);
      await exportTo(database.db.knex, paths[format], format, new Date('2024-01-01T00:00:00Z'), new Date('2024-12-31T00:00:00Z'));
    }
  });
  after(async () => {
    await database?.drop();
    folder?.remove();
  });

  for (const format of ['jsonl', 'csv'] as const) {
    describe(`as ${format === 'csv' ? 'CSV' : 'JSON Lines'}`, () => {
      let n = 0;
      /** Writes the tampered copy and verifies it: `writer` breaks at `seq` with `kind`, the other writer is untouched. */
      async function expectBreak(file: ExportText, writer: string, seq: number | null, kind: string): Promise<ExportFileVerification> {
        n += 1;
        const verification = await verifyExportFile(file.write(join(folder.path, `tampered-${n}.${format}`)));
        assert.equal(verification.ok, false);
        const report = writerReport(verification, writer);
        assert.equal(report.ok, false);
        assert.equal(report.firstBadSeq, seq, report.problem ?? '');
        assert.match(report.problem ?? '', new RegExp(`^${kind}: `));
        const other = writerReport(verification, writer === 'gw-a' ? 'gw-b' : 'gw-a');
        if (verification.problem === null) assert.equal(other.ok, true, `${other.writer} is untouched: ${other.problem}`);
        return verification;
      }
      const original = () => ExportText.read(paths[format], format);

      it('finds the file as exported whole', async () => {
        const verification = await verifyExportFile(paths[format]);
        assert.equal(verification.ok, true, JSON.stringify(verification.writers.map((w) => w.problem)));
        assert.deepEqual(verification.writers.map((w) => [w.writer, w.records]), [['gw-a', 24], ['gw-b', 6]]);
      });

      it('reports a field edited in a record line as edited, at that record', async () => {
        const file = original();
        const at = file.indexOf('gw-a', 10);
        file.lines[at] = file.withRows777(file.lines[at]!);
        const verification = await expectBreak(file, 'gw-a', 10, 'edited');
        assert.match(writerReport(verification, 'gw-a').problem!, /record 10 \(line \d+\) was altered: its hash does not match its contents/);
      });

      it('reports a deleted line as deleted, at the record after the gap', async () => {
        const file = original();
        file.lines.splice(file.indexOf('gw-a', 10), 1);
        const verification = await expectBreak(file, 'gw-a', 11, 'deleted');
        assert.match(writerReport(verification, 'gw-a').problem!, /record 10 is missing \(record 11 on line \d+ follows record 9\)/);
      });

      it('reports a duplicated line as inserted, at its seq', async () => {
        const file = original();
        const at = file.indexOf('gw-a', 10);
        file.lines.splice(at + 1, 0, file.lines[at]!);
        await expectBreak(file, 'gw-a', 10, 'inserted');
      });

      it('reports a line copied further down as inserted, at its seq', async () => {
        const file = original();
        file.lines.splice(file.indexOf('gw-a', 12) + 1, 0, file.line('gw-a', 5));
        await expectBreak(file, 'gw-a', 5, 'inserted');
      });

      it('reports a forged record, linked and hashed as the writer would, as inserted before the real one', async () => {
        const file = original();
        const real = await storedRecord(database.db.knex, 'gw-a', 11);
        const forged = rehash({ ...real, rows: 777 });
        const line = file.withRows777(file.line('gw-a', 11)).replace(real.hash, forged.hash);
        file.lines.splice(file.indexOf('gw-a', 11), 0, line);
        await expectBreak(file, 'gw-a', 11, 'inserted');
      });

      it('reports two swapped lines as reordered, at the record that came too early', async () => {
        const file = original();
        const [ten, fourteen] = [file.indexOf('gw-a', 10), file.indexOf('gw-a', 14)];
        [file.lines[ten], file.lines[fourteen]] = [file.lines[fourteen]!, file.lines[ten]!];
        const verification = await expectBreak(file, 'gw-a', 14, 'reordered');
        assert.match(writerReport(verification, 'gw-a').problem!, /record 14 \(line \d+\) stands where record 10 belongs/);
      });

      it('reports a file cut before its trailer as truncated, at the first record it lacks', async () => {
        const file = original();
        file.lines.splice(file.trailerIndex, 1);
        const verification = await expectBreak(file, 'gw-b', 7, 'truncated');
        assert.match(verification.problem ?? '', /^truncated: the file does not end with its trailer/);
      });

      it('reports a file cut in the middle of a record line as truncated, at that record', async () => {
        const file = original();
        const at = file.indexOf('gw-b', 4);
        file.lines = [...file.lines.slice(0, at), file.lines[at]!.slice(0, 150)];
        const verification = await expectBreak(file, 'gw-b', 4, 'truncated');
        assert.equal(writerReport(verification, 'gw-b').records, 3);
        assert.match(verification.problem ?? '', /^truncated: the file ends inside line \d+/);
      });

      it("reports a changed lastHash in the trailer as edited, at the last record", async () => {
        const file = original();
        const trailer = file.trailer;
        file.trailer = { ...trailer, chains: trailer.chains.map((c) => (c.writer === 'gw-a' ? { ...c, lastHash: 'f'.repeat(64) } : c)) };
        const verification = await expectBreak(file, 'gw-a', 24, 'edited');
        assert.match(writerReport(verification, 'gw-a').problem!, /the trailer's lastHash is not the hash of record 24/);
      });

      it('reports a checkpoint signed by a key the writer never had as forged, at its seq', async () => {
        const file = original();
        const trailer = file.trailer;
        const intruder = createCheckpointKey();
        file.trailer = {
          ...trailer,
          chains: trailer.chains.map((c) =>
            c.writer !== 'gw-a'
              ? c
              : {
                  ...c,
                  checkpoints: c.checkpoints.map((cp) =>
                    cp.seq === 8 ? { ...cp, signature: signCheckpoint(intruder.privateKey, { writerId: 'gw-a', seq: 8, hash: cp.hash, at: cp.at }).signature } : cp,
                  ),
                },
          ),
        };
        await expectBreak(file, 'gw-a', 8, 'forged');
      });

      it('catches records rewritten and rehashed with the trailer made to match, at the first checkpoint after the edit', async () => {
        const file = original();
        let prevHash = (await storedRecord(database.db.knex, 'gw-a', 9)).hash;
        for (let seq = 10; seq <= 24; seq += 1) {
          const real = await storedRecord(database.db.knex, 'gw-a', seq);
          const forged = rehash({ ...real, prevHash, rows: seq === 10 ? 777 : real.rows });
          const at = file.indexOf('gw-a', seq);
          const line = seq === 10 ? file.withRows777(file.lines[at]!) : file.lines[at]!;
          file.lines[at] = line.replace(real.prevHash, prevHash).replace(real.hash, forged.hash);
          prevHash = forged.hash;
        }
        const trailer = file.trailer;
        file.trailer = { ...trailer, chains: trailer.chains.map((c) => (c.writer === 'gw-a' ? { ...c, lastHash: prevHash } : c)) };
        const verification = await expectBreak(file, 'gw-a', 12, 'edited');
        assert.match(writerReport(verification, 'gw-a').problem!, /record 12 \(line \d+\) is not the record checkpoint 12 signed/);
      });

      it('reports records cut from the end with the trailer rewritten to match as truncated, from the last checkpoint', async () => {
        const file = original();
        const kept = await storedRecord(database.db.knex, 'gw-a', 22);
        file.lines.splice(file.indexOf('gw-a', 23), 2);
        const trailer = file.trailer;
        file.trailer = {
          ...trailer,
          records: trailer.records - 2,
          chains: trailer.chains.map((c) => (c.writer === 'gw-a' ? { ...c, lastSeq: 22, lastHash: kept.hash, records: 22 } : c)),
        };
        const verification = await expectBreak(file, 'gw-a', 23, 'truncated');
        assert.match(writerReport(verification, 'gw-a').problem!, /checkpoint 24 signs record 24, but the stretch ends at record 22/);
      });

      it('reports lines added after the trailer as inserted', async () => {
        const file = original();
        file.lines.splice(file.trailerIndex + 1, 0, file.line('gw-b', 6));
        const verification = await expectBreak(file, 'gw-b', 6, 'inserted');
        assert.match(verification.problem ?? '', /^inserted: 1 line\(s\) follow the trailer on line \d+; it must be the last line/);
      });
    });
  }

  it('refuses a file that is not an export, rather than calling it tampered', async () => {
    const path = join(folder.path, 'notes.txt');
    writeFileSync(path, 'minutes of the audit meeting\n');
    await assert.rejects(verifyExportFile(path), { code: 'BAD_USER_INPUT', message: /is not a Meridian ledger export/ });
    await assert.rejects(verifyExportFile(join(folder.path, 'missing.jsonl')), { code: 'BAD_USER_INPUT', message: /cannot read/ });
  });
});
