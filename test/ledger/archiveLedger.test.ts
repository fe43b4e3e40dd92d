import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { loadCatalogSnapshot } from '../../catalog/index.js';
import { isMeridianError } from '../../common/index.js';
import { openDatabase, type Database } from '../../db/index.js';
import {
  GENESIS_HASH,
  archiveLedger,
  ensurePartitions,
  verifyExportFile,
  verifyLedger,
  type ArchiveLedgerOptions,
  type ChainedRecord,
  type ExportedChain,
  type LedgerArchiveSummary,
} from '../../ledger/index.js';
import { buildIndicatorReport } from '../../ledger/indicatorReport.js';
import { describeEachDatabase } from '../support/databases.js';
import { temporaryFolder } from '../support/processRunner.js';
import { insertRecord, recordAt, writeChain } from './ledgerChains.js';

/** With 36 months of retention, the months before 2024-06 may be archived on this day. */
const NOW = new Date('2027-06-15T00:00:00Z');

/** [at, finishedAt] of each record of gw-a: 2 in January, then 3 a month; the third asked in January and answered in February. */
const GW_A: readonly (readonly [string, string])[] = [
  ['2024-01-05T10:00:00.000Z', '2024-01-05T10:00:00.040Z'],
  ['2024-01-15T10:00:00.000Z', '2024-01-15T10:00:00.040Z'],
  ['2024-01-31T23:59:59.900Z', '2024-02-01T00:00:00.100Z'],
  ...['02-15', '02-25', '03-05', '03-15', '03-25', '04-05', '04-15', '04-25', '05-05', '05-15', '05-25', '06-05', '06-15', '06-25'].map(
    (day) => [`2024-${day}T10:00:00.000Z`, `2024-${day}T10:00:00.040Z`] as const,
  ),
];
/** gw-b writes nothing in March and May. */
const GW_B: readonly (readonly [string, string])[] = ['01-10', '01-20', '02-10', '04-10', '04-20', '06-10'].map(
  (day) => [`2024-${day}T09:00:00.000Z`, `2024-${day}T09:00:00.030Z`] as const,
);

/** The records and the trailer of a JSON Lines archive file. */
function readArchive(path: string): { records: ChainedRecord[]; chains: ExportedChain[]; recordsInTrailer: number } {
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  const { trailer } = JSON.parse(lines.pop()!) as { trailer: { records: number; chains: ExportedChain[] } };
  return { records: lines.map((line) => JSON.parse(line) as ChainedRecord), chains: trailer.chains, recordsInTrailer: trailer.records };
}

function sha256Of(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

describeEachDatabase('Ledger: archiving months past retention', (get, kind) => {
  const knex = (): Knex => get().db.knex;
  let folder: ReturnType<typeof temporaryFolder>;
  let written: { a: ChainedRecord[]; b: ChainedRecord[] };
  let rollupsBefore: unknown;
  let reportBefore: unknown;
  /** SHA-256 of the January file left behind by a run whose commit failed. */
  let leftoverSha256: string;

  const archive = (options: Partial<ArchiveLedgerOptions> = {}, on: Knex = knex()): Promise<LedgerArchiveSummary> =>
    archiveLedger(on, { before: '2024-03', directory: folder.path, retentionMonths: 36, now: NOW, ...options });

  async function attached(): Promise<string[]> {
    const result = await knex().raw(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'ledger_records'::regclass ORDER BY 1`,
    );
    return (result.rows as { name: string }[]).map((row) => row.name);
  }

  async function recordCount(): Promise<number> {
    return Number((await knex()('ledger_records').count({ n: '*' }))[0]!.n);
  }

  async function anchors(): Promise<{ writer_id: string; last_seq: number; last_hash: string; records: number; before: string; file: string; file_sha256: string }[]> {
    const rows = (await knex()('ledger_archives')
      .orderBy('id')
      .select('writer_id', 'last_seq', 'last_hash', 'records', 'before', 'file', 'file_sha256')) as {
      writer_id: string;
      last_seq: number;
      last_hash: string;
      records: number;
      before: Date;
      file: string;
      file_sha256: string;
    }[];
    return rows.map((row) => ({ ...row, last_seq: Number(row.last_seq), records: Number(row.records), before: row.before.toISOString() }));
  }

  async function rollupTotals(): Promise<unknown> {
    return (await knex()('ledger_rollups').select(
      knex().raw('count(*)::int AS rows_of_rollups'),
      knex().raw('sum(calls)::int AS calls'),
      knex().raw('sum(rows)::int AS rows'),
      knex().raw('sum(bytes)::int AS bytes'),
    ))[0];
  }

  /** The indicator report of the first half of 2024, by month: whole hours, so read from the roll-ups. */
  async function halfYearReport(): Promise<{ volume: unknown; series: unknown }> {
    const report = await buildIndicatorReport(knex(), await loadCatalogSnapshot(knex()), {
      from: new Date('2024-01-01T00:00:00Z'),
      to: new Date('2024-07-01T00:00:00Z'),
      granularity: 'MONTH',
      timeZone: 'UTC',
      now: NOW,
    });
    return { volume: report.volume, series: report.series };
  }

  function isCode(code: string, message?: RegExp) {
    return (error: unknown) => {
      assert.ok(isMeridianError(error), String(error));
      assert.equal(error.code, code, error.message);
      if (message) assert.match(error.message, message);
      return true;
    };
  }

  before(async () => {
    folder = temporaryFolder('meridian-archive');
    const a = await writeChain(knex(), 'gw-a', GW_A.length, { record: (i) => ({ at: GW_A[i]![0], finishedAt: GW_A[i]![1] }) });
    const b = await writeChain(knex(), 'gw-b', GW_B.length, { record: (i) => ({ at: GW_B[i]![0], finishedAt: GW_B[i]![1] }) });
    written = { a, b };
    rollupsBefore = await rollupTotals();
    reportBefore = await halfYearReport();
  });
  after(() => folder?.remove());

  it('refuses months within the retention period, and leaves the ledger as it was', async () => {
    await assert.rejects(
      archive({ before: '2024-07' }),
      isCode('BAD_USER_INPUT', /^Cannot archive the months before 2024-07: records are kept 36 months \(ledger\.retentionMonths\), so on 2027-06-15 only the months before 2024-06 may be archived$/),
    );
    await assert.rejects(archive({ before: '2024-06', retentionMonths: 37 }), isCode('BAD_USER_INPUT', /only the months before 2024-05/));
    await assert.rejects(archive({ retentionMonths: 12 }), isCode('BAD_USER_INPUT', /retentionMonths must be .* 36 \(three years\) or more/));
    assert.deepEqual(await attached(), ['ledger_records_default']);
    assert.equal(await recordCount(), 23);
    assert.deepEqual(readdirSync(folder.path), []);
  });

  it('refuses a `before` that is not a month boundary', async () => {
    for (const before of ['2024-03-15', '2024-13', '2024-3', '2024-03-01T00:00:00', '2024-03-01T00:00:01Z', '2024-03-01T00:00:00+08:00', 'March']) {
      await assert.rejects(archive({ before }), isCode('BAD_USER_INPUT', /`before`/), before);
    }
    await assert.rejects(archive({ before: '2024-03-01T00:00:01Z' }), isCode('BAD_USER_INPUT', /not the first instant of a UTC month: only whole months are archived, such as 2024-03/));
    assert.equal(await recordCount(), 23);
  });

  it('drops nothing when a file cannot be written, and leaves no partial file behind', async () => {
    // A folder where the January file should go: writing succeeds, the final rename fails.
    mkdirSync(join(folder.path, 'ledger_records_y2024m01.jsonl'));
    try {
      await assert.rejects(archive(), (error: unknown) => (error as NodeJS.ErrnoException).code === 'EISDIR');
    } finally {
      rmdirSync(join(folder.path, 'ledger_records_y2024m01.jsonl'));
    }
    // The months in DEFAULT were moved to their partitions first; none of them was dropped.
    assert.deepEqual(
      (await attached()).filter((name) => name < 'ledger_records_y2024m07'),
      ['ledger_records_default', 'ledger_records_y2024m01', 'ledger_records_y2024m02', 'ledger_records_y2024m03', 'ledger_records_y2024m04', 'ledger_records_y2024m05', 'ledger_records_y2024m06'],
    );
    assert.equal(await recordCount(), 23);
    assert.deepEqual(await anchors(), []);
    assert.deepEqual(readdirSync(folder.path), []);
  });

  it('keeps every partition when the commit fails, leaving a file that the next run writes again', async () => {
    await knex().raw(`CREATE FUNCTION refuse_archive() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'archive refused by test'; END $$`);
    await knex().raw('CREATE TRIGGER refuse_archive BEFORE INSERT ON ledger_archives FOR EACH ROW EXECUTE FUNCTION refuse_archive()');
    try {
      await assert.rejects(archive(), /archive refused by test/);
    } finally {
      await knex().raw('DROP TRIGGER refuse_archive ON ledger_archives');
      await knex().raw('DROP FUNCTION refuse_archive()');
    }
    assert.ok((await attached()).includes('ledger_records_y2024m01'));
    assert.equal(await recordCount(), 23);
    assert.deepEqual(await anchors(), []);
    assert.deepEqual(readdirSync(folder.path), ['ledger_records_y2024m01.jsonl']);
    leftoverSha256 = sha256Of(join(folder.path, 'ledger_records_y2024m01.jsonl'));
  });

  it('writes each month before `before` to its file, records where each chain continues, and drops the month, oldest first', async () => {
    // An older month without records: dropped, no file.
    assert.deepEqual((await ensurePartitions(knex(), new Date('2023-12-10T00:00:00Z'), 0)).created, ['ledger_records_y2023m12']);

    const summary = await archive({ before: '2024-03' });
    const jan = join(folder.path, 'ledger_records_y2024m01.jsonl');
    const feb = join(folder.path, 'ledger_records_y2024m02.jsonl');
    assert.deepEqual(summary, {
      before: '2024-03-01T00:00:00.000Z',
      partitions: ['ledger_records_y2023m12', 'ledger_records_y2024m01', 'ledger_records_y2024m02'],
      files: [
        { partition: 'ledger_records_y2024m01', path: jan, records: 4, sha256: sha256Of(jan) },
        { partition: 'ledger_records_y2024m02', path: feb, records: 4, sha256: sha256Of(feb) },
      ],
      records: 8,
    });
    assert.deepEqual(readdirSync(folder.path).sort(), ['ledger_records_y2024m01.jsonl', 'ledger_records_y2024m02.jsonl']);
    assert.equal(summary.files[0]!.sha256, leftoverSha256, 'the file of the failed run is written again, byte for byte');
    const left = await attached();
    for (const gone of summary.partitions) assert.ok(!left.includes(gone), gone);
    assert.ok(left.includes('ledger_records_y2024m03'));
    assert.equal(await recordCount(), 15);

    // The files hold exactly the records of their months; the one answered after midnight is in February.
    const january = readArchive(jan);
    const february = readArchive(feb);
    assert.deepEqual(january.records, [written.a[0], written.a[1], written.b[0], written.b[1]]);
    assert.deepEqual(february.records, [written.a[2], written.a[3], written.a[4], written.b[2]]);

    const [aJan, bJan, aFeb, bFeb] = await anchors();
    assert.deepEqual(await anchors(), [
      { writer_id: 'gw-a', last_seq: 2, last_hash: written.a[1]!.hash, records: 2, before: '2024-02-01T00:00:00.000Z', file: 'ledger_records_y2024m01.jsonl', file_sha256: sha256Of(jan) },
      { writer_id: 'gw-b', last_seq: 2, last_hash: written.b[1]!.hash, records: 2, before: '2024-02-01T00:00:00.000Z', file: 'ledger_records_y2024m01.jsonl', file_sha256: sha256Of(jan) },
      { writer_id: 'gw-a', last_seq: 5, last_hash: written.a[4]!.hash, records: 3, before: '2024-03-01T00:00:00.000Z', file: 'ledger_records_y2024m02.jsonl', file_sha256: sha256Of(feb) },
      { writer_id: 'gw-b', last_seq: 3, last_hash: written.b[2]!.hash, records: 1, before: '2024-03-01T00:00:00.000Z', file: 'ledger_records_y2024m02.jsonl', file_sha256: sha256Of(feb) },
    ]);

    for (const file of summary.files) {
      const offline = await verifyExportFile(file.path);
      assert.equal(offline.ok, true, JSON.stringify(offline));
      assert.equal(offline.records, file.records);
    }

    // Each file's trailer starts where the previous archive ended (or at the genesis) and ends at its anchor.
    const chain = (file: ReturnType<typeof readArchive>, writer: string) => file.chains.find((c) => c.writer === writer)!;
    assert.equal(january.recordsInTrailer, 4);
    assert.deepEqual([chain(january, 'gw-a').firstPrevHash, chain(january, 'gw-a').lastHash], [GENESIS_HASH, aJan!.last_hash]);
    assert.deepEqual([chain(january, 'gw-b').firstPrevHash, chain(january, 'gw-b').lastHash], [GENESIS_HASH, bJan!.last_hash]);
    assert.deepEqual([chain(february, 'gw-a').firstPrevHash, chain(february, 'gw-a').lastHash], [aJan!.last_hash, aFeb!.last_hash]);
    assert.deepEqual([chain(february, 'gw-b').firstPrevHash, chain(february, 'gw-b').lastHash], [bJan!.last_hash, bFeb!.last_hash]);

    const verification = await verifyLedger(knex());
    assert.equal(verification.ok, true, JSON.stringify(verification));
    assert.deepEqual(
      verification.writers.map((w) => [w.writer, w.records]),
      [
        ['gw-a', 12],
        ['gw-b', 3],
      ],
    );
  });

  it('continues from the latest anchor when later months are archived, also for a writer absent from a month', async () => {
    const summary = await archive({ before: '2024-05-01T00:00:00Z' });
    assert.deepEqual(summary.partitions, ['ledger_records_y2024m03', 'ledger_records_y2024m04']);
    assert.deepEqual(
      summary.files.map((file) => file.records),
      [3, 5],
    );
    const march = readArchive(summary.files[0]!.path);
    const april = readArchive(summary.files[1]!.path);
    assert.deepEqual(
      march.chains.map((c) => c.writer),
      ['gw-a'],
    );
    assert.equal(april.chains.find((c) => c.writer === 'gw-a')!.firstPrevHash, written.a[7]!.hash);
    // gw-b wrote nothing in March: April continues its February anchor.
    assert.equal(april.chains.find((c) => c.writer === 'gw-b')!.firstPrevHash, written.b[2]!.hash);
    assert.deepEqual(
      (await anchors()).slice(4).map((row) => [row.writer_id, row.last_seq, row.file]),
      [
        ['gw-a', 8, 'ledger_records_y2024m03.jsonl'],
        ['gw-a', 11, 'ledger_records_y2024m04.jsonl'],
        ['gw-b', 5, 'ledger_records_y2024m04.jsonl'],
      ],
    );
    const verification = await verifyLedger(knex());
    assert.equal(verification.ok, true, JSON.stringify(verification));
    assert.deepEqual(
      verification.writers.map((w) => [w.writer, w.records]),
      [
        ['gw-a', 6],
        ['gw-b', 1],
      ],
    );
    // A window reaching back into archived months checks what is left of it.
    const windowed = await verifyLedger(knex(), { from: '2024-01-01T00:00:00Z', to: '2024-06-01T00:00:00Z' });
    assert.equal(windowed.ok, true, JSON.stringify(windowed));
  });

  it('archives nothing when run again with the same boundary', async () => {
    const files = readdirSync(folder.path).sort();
    const before = await anchors();
    assert.deepEqual(await archive({ before: '2024-05' }), { before: '2024-05-01T00:00:00.000Z', partitions: [], files: [], records: 0 });
    assert.deepEqual(await anchors(), before);
    assert.deepEqual(readdirSync(folder.path).sort(), files);
  });

  it('leaves the roll-ups, and so the indicator figures of archived months, as they were', async () => {
    assert.equal(await recordCount(), 7);
    assert.deepEqual(await rollupTotals(), rollupsBefore);
    const report = await halfYearReport();
    assert.deepEqual(report, reportBefore);
    assert.equal((report.volume as { calls: number }).calls, 23);
  });

  it('still detects a tamper in a month not archived, and refuses to archive that month', async () => {
    await recordAt(knex(), 'gw-a', 13).update({ row_count: 777 });
    try {
      const report = (await verifyLedger(knex())).writers.find((w) => w.writer === 'gw-a')!;
      assert.equal(report.ok, false);
      assert.equal(report.firstBadSeq, 13);
      assert.match(report.problem ?? '', /^edited: record 13 was altered/);

      const anchorsBefore = await anchors();
      await assert.rejects(
        archive({ before: '2024-06' }),
        isCode('CONFLICT', /^The file written for ledger_records_y2024m05\.jsonl does not verify \(writer gw-a: edited: record 13 \(line \d+\) was altered: its hash does not match its contents\); nothing was dropped/),
      );
      assert.ok((await attached()).includes('ledger_records_y2024m05'));
      assert.ok(!existsSync(join(folder.path, 'ledger_records_y2024m05.jsonl')));
      assert.deepEqual(await anchors(), anchorsBefore);
    } finally {
      await recordAt(knex(), 'gw-a', 13).update({ row_count: written.a[12]!.rows });
    }
    assert.equal((await verifyLedger(knex())).ok, true);
  });

  it("refuses a month whose first record was deleted: its file verifies on its own, but no longer continues the last anchor", async () => {
    await recordAt(knex(), 'gw-a', 12).delete();
    try {
      await assert.rejects(
        archive({ before: '2024-06' }),
        isCode('CONFLICT', /^Cannot archive ledger_records_y2024m05: the chain of writer gw-a has record 13 right after the archived record 11; run meridian ledger verify/),
      );
      assert.ok((await attached()).includes('ledger_records_y2024m05'));
      assert.ok(!readdirSync(folder.path).some((name) => name.includes('2024m05')));
    } finally {
      await insertRecord(knex(), written.a[11]!);
    }
  });

  it('refuses a month while a copy of one of its records stands in a later month', async () => {
    const copy = { ...written.a[12]!, finishedAt: '2024-06-20T00:00:00.000Z' };
    await insertRecord(knex(), copy);
    try {
      await assert.rejects(
        archive({ before: '2024-06' }),
        isCode('CONFLICT', /^Cannot archive ledger_records_y2024m05: the chain of writer gw-a has record 13 outside 2024-05 before its last record 14 in it/),
      );
      assert.ok((await attached()).includes('ledger_records_y2024m05'));
    } finally {
      await knex()('ledger_records').where({ writer_id: 'gw-a', seq: 13, finished_at: new Date(copy.finishedAt) }).delete();
    }
    assert.equal((await verifyLedger(knex())).ok, true);
  });

  it('reports an archived record put back into the ledger as inserted, and never archives its month over the earlier file', async () => {
    const february = join(folder.path, 'ledger_records_y2024m02.jsonl');
    const februarySha256 = sha256Of(february);
    await insertRecord(knex(), written.a[2]!);
    try {
      const report = (await verifyLedger(knex())).writers.find((w) => w.writer === 'gw-a')!;
      assert.equal(report.ok, false);
      assert.equal(report.firstBadSeq, 3);
      assert.match(report.problem ?? '', /^inserted: record 3 comes before the archived record 11/);
      await assert.rejects(
        archive({ before: '2024-03' }),
        isCode('CONFLICT', /^ledger_records_y2024m02 holds records again, but its month was archived to ledger_records_y2024m02\.jsonl at 2027-06-15T00:00:00\.000Z/),
      );
      assert.equal(sha256Of(february), februarySha256);
    } finally {
      await recordAt(knex(), 'gw-a', 3).delete();
    }
    // Emptied again, the month's partition is dropped and its file left as it was.
    assert.deepEqual(await archive({ before: '2024-03' }), {
      before: '2024-03-01T00:00:00.000Z',
      partitions: ['ledger_records_y2024m02'],
      files: [],
      records: 0,
    });
    assert.equal(sha256Of(february), februarySha256);
    assert.equal((await verifyLedger(knex())).ok, true);
  });

  it(`archives each month once when ${kind === 'postgres' ? 'two archivers race' : 'two runs overlap'}`, async () => {
    const url = get().url;
    const other: Database | null = url ? await openDatabase({ url, poolMax: 2 }) : null;
    let runs: LedgerArchiveSummary[];
    try {
      runs = await Promise.all([archive({ before: '2024-06' }), archive({ before: '2024-06' }, other?.knex ?? knex())]);
    } finally {
      await other?.close();
    }
    assert.deepEqual(runs.flatMap((run) => run.partitions), ['ledger_records_y2024m05']);
    assert.deepEqual(
      (await anchors()).slice(7).map((row) => [row.writer_id, row.last_seq, row.records]),
      [['gw-a', 14, 3]],
    );
    assert.deepEqual(readArchive(join(folder.path, 'ledger_records_y2024m05.jsonl')).records, written.a.slice(11, 14));
    assert.equal((await verifyLedger(knex())).ok, true);
  });

  it('refuses a month whose file would not verify offline, such as one with a forged checkpoint', async () => {
    const june = { before: '2024-07', now: new Date('2027-07-01T00:00:00Z'), format: 'csv' } as const;
    const signature = (seq: number) => knex()('ledger_checkpoints').where({ writer_id: 'gw-a', seq }).first('signature');
    const genuine = ((await signature(16)) as { signature: string }).signature;
    const other = ((await signature(12)) as { signature: string }).signature;
    await knex()('ledger_checkpoints').where({ writer_id: 'gw-a', seq: 16 }).update({ signature: other });
    try {
      await assert.rejects(
        archive(june),
        isCode('CONFLICT', /^The file written for ledger_records_y2024m06\.csv does not verify \(writer gw-a: forged: .*checkpoint 16.*\); nothing was dropped/),
      );
    } finally {
      await knex()('ledger_checkpoints').where({ writer_id: 'gw-a', seq: 16 }).update({ signature: genuine });
    }
    assert.ok((await attached()).includes('ledger_records_y2024m06'));
    assert.equal(await recordCount(), 4);
    assert.ok(!readdirSync(folder.path).some((name) => name.includes('2024m06') || name.endsWith('.partial')));
  });

  it('writes CSV files that verify offline too, and a chain archived to its last record still verifies', async () => {
    const summary = await archive({ before: '2024-07', now: new Date('2027-07-01T00:00:00Z'), format: 'csv' });
    const june = join(folder.path, 'ledger_records_y2024m06.csv');
    assert.deepEqual(summary.files, [{ partition: 'ledger_records_y2024m06', path: june, records: 4, sha256: sha256Of(june) }]);
    const offline = await verifyExportFile(june);
    assert.equal(offline.ok, true, JSON.stringify(offline));
    assert.equal(offline.format, 'csv');
    assert.deepEqual(
      offline.writers.map((w) => [w.writer, w.records, w.chain?.firstPrevHash]),
      [
        ['gw-a', 3, written.a[13]!.hash],
        ['gw-b', 1, written.b[4]!.hash],
      ],
    );
    assert.equal(await recordCount(), 0);
    const verification = await verifyLedger(knex());
    assert.equal(verification.ok, true, JSON.stringify(verification));
    assert.deepEqual(
      verification.writers.map((w) => [w.writer, w.records, w.lastCheckpointSeq]),
      [
        ['gw-a', 0, 17],
        ['gw-b', 0, 6],
      ],
    );
  });
});
