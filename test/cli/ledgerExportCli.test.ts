import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXPORT_FORMAT_VERSION } from '../../ledger/index.js';
import { createTestDatabase, databaseKinds, onCliDatabase, type TestDatabase } from '../support/databases.js';
import { childEnv, runCli, temporaryFolder } from '../support/processRunner.js';
import { hourly, storedRecord, writeChain } from '../ledger/ledgerChains.js';

for (const kind of databaseKinds) {
  describe(`CLI: meridian ledger export, and ledger verify --file (${kind === 'pglite' ? 'PGlite data folder' : 'PostgreSQL'})`, function () {
    this.timeout(120_000);
    let folder: ReturnType<typeof temporaryFolder>;
    let server: TestDatabase | null = null;
    let env: NodeJS.ProcessEnv;
    /** No database at all: a verification of a file must not need one. */
    let offline: NodeJS.ProcessEnv;
    let lastHashOfA: string;
    // 2024-01-31T20:00Z to 2024-02-01T20:00Z, written with offsets as an auditor in UTC+8 would.
    const window = ['--from', '2024-02-01T04:00:00+08:00', '--to', '2024-02-02T04:00:00+08:00'];

    before(async () => {
      folder = temporaryFolder('meridian-ledger-export');
      if (kind === 'postgres') server = await createTestDatabase('postgres');
      env = childEnv({
        MERIDIAN_DATA_DIR: join(folder.path, 'data'),
        MERIDIAN_LOG_LEVEL: 'warn',
        ...(server?.url ? { DATABASE_URL: server.url } : {}),
      });
      offline = childEnv({ DATABASE_URL: 'postgres://meridian@127.0.0.1:1/nowhere', MERIDIAN_DATA_DIR: join(folder.path, 'no-data'), MERIDIAN_LOG_LEVEL: 'warn' });
      lastHashOfA = await onCliDatabase(server, join(folder.path, 'data'), async ({ knex }) => {
        await writeChain(knex, 'gw-a', 24, { record: hourly });
        await writeChain(knex, 'gw-b', 6, { record: hourly });
        return (await storedRecord(knex, 'gw-a', 24)).hash;
      });
    });
    after(async () => {
      await server?.drop();
      folder?.remove();
    });

    it('exports a window to a file, which verify --file finds whole and prints with the heads to compare', async () => {
      const out = join(folder.path, 'ledger.jsonl');
      const exported = await runCli(['ledger', 'export', ...window, '--out', out], env);
      assert.equal(exported.code, 0, exported.stderr);
      assert.equal(exported.stdout, '');
      assert.match(exported.stderr, /^exported 30 record\(s\) of 2 writer\(s\) answered in \[2024-01-31T20:00:00\.000Z, 2024-02-01T20:00:00\.000Z\) to /);
      assert.match(readFileSync(out, 'utf8'), new RegExp(`"format":"${EXPORT_FORMAT_VERSION}"`));

      const verified = await runCli(['ledger', 'verify', '--file', out], offline);
      assert.equal(verified.code, 0, verified.stdout + verified.stderr);
      assert.match(verified.stdout, /^export file OK: .*ledger\.jsonl \(JSON Lines\), 30 record\(s\) of 2 writer\(s\), window \[2024-01-31T20:00:00\.000Z, 2024-02-01T20:00:00\.000Z\), 0 broken\n/);
      assert.match(verified.stdout, /\n {2}gw-a: 24 record\(s\), OK\n {4}trailer: seq 1 to 24, last hash ([0-9a-f]{64}), 6 checkpoint\(s\), last checkpoint seq 24\n {4}key \d+: [A-Za-z0-9+/=]+\n/);
      assert.ok(verified.stdout.includes(`last hash ${lastHashOfA}`), 'the head printed is the one in the database');
      assert.match(verified.stdout, /\n {2}gw-b: 6 record\(s\), OK\n/);
      assert.match(verified.stdout, /Compare the last seq and hash and the keys above with the\nlive ledger/);

      const audit = await onCliDatabase(server, join(folder.path, 'data'), ({ knex }) => knex('admin_audit').where({ action: 'ledger.export' }).select('via', 'target'));
      assert.deepEqual(audit, [{ via: 'cli', target: '2024-01-31T20:00:00.000Z/2024-02-01T20:00:00.000Z' }]);
    });

    it('writes CSV to standard output without --out, and that output verifies too', async () => {
      const exported = await runCli(['ledger', 'export', ...window, '--format', 'csv'], env);
      assert.equal(exported.code, 0, exported.stderr);
      assert.match(exported.stdout, /^writerId,seq,prevHash,hash,/);
      assert.match(exported.stderr, /to standard output\n {2}gw-a: seq 1 to 24, last hash /);
      const saved = join(folder.path, 'from-stdout.csv');
      writeFileSync(saved, exported.stdout);
      const verified = await runCli(['ledger', 'verify', '--file', saved], offline);
      assert.equal(verified.code, 0, verified.stdout + verified.stderr);
      assert.match(verified.stdout, /^export file OK: .* \(CSV\), 30 record\(s\)/);
    });

    it('exits 1 on a tampered file and prints the writer, the seq and the kind of break', async () => {
      const out = join(folder.path, 'tampered.jsonl');
      assert.equal((await runCli(['ledger', 'export', ...window, '--out', out], env)).code, 0);
      const lines = readFileSync(out, 'utf8').split('\n');
      const at = lines.findIndex((line) => line.startsWith('{"writerId":"gw-a","seq":10,'));
      lines[at] = lines[at]!.replace('"rows":3,', '"rows":777,');
      writeFileSync(out, lines.join('\n'));
      const verified = await runCli(['ledger', 'verify', '--file', out], offline);
      assert.equal(verified.code, 1, verified.stderr);
      assert.match(verified.stdout, /^export file BROKEN: .*, 1 broken\n/);
      assert.match(verified.stdout, /\n {2}gw-a: 24 record\(s\), BROKEN at seq 10: edited: record 10 \(line \d+\) was altered/);
      assert.match(verified.stdout, /\n {2}gw-b: 6 record\(s\), OK\n/);
    });

    it('exits 1 on a file cut before its trailer, calling it truncated', async () => {
      const out = join(folder.path, 'cut.csv');
      assert.equal((await runCli(['ledger', 'export', ...window, '--format', 'csv', '--out', out], env)).code, 0);
      const text = readFileSync(out, 'utf8');
      writeFileSync(out, text.slice(0, text.lastIndexOf('# meridian-ledger-export-trailer ')));
      const verified = await runCli(['ledger', 'verify', '--file', out], offline);
      assert.equal(verified.code, 1, verified.stderr);
      assert.match(verified.stdout, /\n {2}the file: truncated: the file does not end with its trailer/);
      assert.match(verified.stdout, /\n {2}gw-b: 6 record\(s\), BROKEN at seq 7: truncated: /);
    });

    it('refuses a window without offset, reversed or longer than 366 days, and a file it cannot read', async () => {
      const cases: [string[], RegExp][] = [
        [['ledger', 'export', '--from', '2024-02-01', '--to', '2024-02-02T00:00:00Z'], /^BAD_USER_INPUT: from must be an ISO 8601 date-time with offset/],
        [['ledger', 'export', '--from', '2024-02-02T00:00:00Z', '--to', '2024-02-01T00:00:00Z'], /^BAD_USER_INPUT: from must be before to/],
        [['ledger', 'export', '--from', '2023-01-01T00:00:00Z', '--to', '2024-01-03T00:00:00Z'], /^BAD_USER_INPUT: one export spans at most 366 days/],
        [['ledger', 'verify', '--file', join(folder.path, 'absent.jsonl')], /^BAD_USER_INPUT: cannot read .*absent\.jsonl/],
        [['ledger', 'verify', '--file', join(folder.path, 'cut.csv'), '--from', '2024-02-01T00:00:00Z'], /^BAD_USER_INPUT: --from and --to select records in the database/],
      ];
      for (const [args, message] of cases) {
        // The offline environment: each is refused before any database is opened.
        const result = await runCli(args, offline);
        assert.equal(result.code, 1, args.join(' '));
        assert.match(result.stderr, message);
        assert.equal(result.stdout, '');
      }
    });
  });
}
