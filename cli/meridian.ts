#!/usr/bin/env node
/**
 * The `meridian` command: serve, migrate, catalog import|export, keys issue, ledger verify|export|archive, report.
 * Every command reads the same configuration as the gateway (environment and
 * MERIDIAN_CONFIG). On the embedded database, stop a running gateway before
 * using a command that opens the same data folder (PGlite is single-process).
 */
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { Command, Option } from 'commander';
import { loadConfig, type MeridianConfig } from '../common/config.js';
import { badInput, isMeridianError, type Problem } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { cliActor, migrateLatest, recordAdminAction, type Database } from '../db/index.js';
import { exportCatalog, importCatalog, loadCatalogSnapshot, parseCatalogText, serializeCatalog } from '../catalog/index.js';
import { sourceKindsFor } from '../connectors/index.js';
import { ROLES } from '../catalog/index.js';
import { hashApiKey, issueApiKey } from '../gateway/auth/apiKeys.js';
import {
  exportLedger,
  exportWindow,
  verifyExportFile,
  verifyLedger,
  type ExportFileVerification,
  type ExportTrailer,
  type LedgerVerification,
} from '../ledger/index.js';
import { openConfiguredDatabase, startGateway } from '../gateway/createGateway.js';
import { readDemoKeys, demoKeysPath, type DemoKey } from '../gateway/startup/loadDemo.js';
import { GRANULARITIES, parseReportInstant, type Granularity } from '../ledger/indicatorPeriod.js';
import { buildIndicatorReport } from '../ledger/indicatorReport.js';
import { REPORT_FORMATS, formatIndicatorReport, type ReportFormat } from '../ledger/indicatorReportFormats.js';
import { archiveLedger, type LedgerArchiveSummary } from '../ledger/archiveLedger.js';

/** Time allowed, beyond the drain's grace period, to flush the ledger and close the database on shutdown. */
const SHUTDOWN_MARGIN_MS = 10_000;

function config(): MeridianConfig {
  return loadConfig(process.env);
}

/** Opens the configured database, runs `work`, and closes it. */
async function withOpenDatabase<T>(work: (db: Database) => Promise<T>): Promise<T> {
  const db = await openConfiguredDatabase(config());
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

/** Opens the configured database, migrates it, runs `work`, and closes it. */
function withDatabase<T>(work: (db: Database) => Promise<T>): Promise<T> {
  return withOpenDatabase(async (db) => {
    await migrateLatest(db.knex);
    return work(db);
  });
}

function printBanner(url: string, cfg: MeridianConfig, keys: readonly DemoKey[]): void {
  const lines = [
    '',
    'Meridian gateway ready',
    `  GraphQL:  ${url}`,
    `  Health:   ${url.replace(/\/graphql$/, '/health/ready')}`,
    `  Database: ${cfg.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${cfg.dataDir}`}`,
  ];
  if (keys.length > 0) {
    lines.push(`  Demo API keys (send as "Authorization: Bearer <key>"; kept in ${demoKeysPath(cfg.dataDir)}):`);
    for (const key of keys) lines.push(`    ${key.role.padEnd(15)} ${key.departmentName.padEnd(14, '\u3000')} ${key.key}`);
    if (cfg.demoProfile === 'city') {
      lines.push(
        cfg.demoUpstream === null
          ? '  See a resource served from a province gateway: npm run start:pair'
          : `  Upstream: the province gateway ${cfg.demoUpstream} serves data.provincialCreditRatings`,
      );
    }
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

async function serve(): Promise<void> {
  const cfg = config();
  const logger = createLogger(cfg.logLevel);
  const gateway = await startGateway({ config: cfg, logger });
  // Keys loaded now, or saved by an earlier start and still valid.
  const keys =
    gateway.demoKeys.length > 0
      ? gateway.demoKeys
      : (readDemoKeys(cfg.dataDir) ?? []).filter((key) => gateway.services.state.keys.has(hashApiKey(key.key)));
  printBanner(gateway.url, cfg, keys);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    // The drain is bounded by the grace period; this bounds the rest (ledger flush, database close).
    setTimeout(() => {
      logger.error({ afterMs: cfg.shutdownGraceMs + SHUTDOWN_MARGIN_MS }, 'shutdown took too long; exiting');
      process.exit(1);
    }, cfg.shutdownGraceMs + SHUTDOWN_MARGIN_MS).unref();
    gateway.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: String(error) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  // `on`, not `once`: a repeated signal must not kill the process before the ledger
  // is flushed and the database closed. Under `npm start`, Ctrl-C reaches the
  // gateway twice (from the terminal and forwarded by npm).
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** The verification as lines for a terminal: one per writer, where its chain breaks and why. */
function formatVerification(verification: LedgerVerification, window: { from?: string; to?: string }): string {
  const broken = verification.writers.filter((writer) => !writer.ok).length;
  const span = window.from || window.to ? ` from ${window.from ?? 'the start'} to ${window.to ?? 'now'}` : '';
  const lines = [`ledger ${verification.ok ? 'OK' : 'BROKEN'}: ${verification.writers.length} writer(s)${span}, ${broken} broken`];
  for (const writer of verification.writers) {
    const checkpoint = writer.lastCheckpointSeq === null ? 'no checkpoint' : `last checkpoint seq ${writer.lastCheckpointSeq}`;
    const state = writer.ok ? 'OK' : `BROKEN at seq ${writer.firstBadSeq}: ${writer.problem}`;
    lines.push(`  ${writer.writer}: ${writer.records} record(s), ${checkpoint}, ${state}`);
  }
  return `${lines.join('\n')}\n`;
}

/** An offline verification of an export file as lines for a terminal, with the heads an auditor compares. */
function formatFileVerification(path: string, verification: ExportFileVerification): string {
  const broken = verification.writers.filter((writer) => !writer.ok).length;
  const format = verification.format === 'csv' ? 'CSV' : 'JSON Lines';
  const window = verification.window ? `, window [${verification.window.from}, ${verification.window.to})` : '';
  const lines = [
    `export file ${verification.ok ? 'OK' : 'BROKEN'}: ${path} (${format}), ${verification.records} record(s) of ${verification.writers.length} writer(s)${window}, ${broken} broken`,
  ];
  if (verification.problem) lines.push(`  the file: ${verification.problem}`);
  for (const writer of verification.writers) {
    const where = writer.firstBadSeq === null ? '' : ` at seq ${writer.firstBadSeq}`;
    lines.push(`  ${writer.writer}: ${writer.records} record(s), ${writer.ok ? 'OK' : `BROKEN${where}: ${writer.problem}`}`);
    const chain = writer.chain;
    if (!chain) continue;
    const lastCheckpoint = chain.checkpoints.length === 0 ? 'no checkpoint' : `last checkpoint seq ${chain.checkpoints[chain.checkpoints.length - 1]!.seq}`;
    lines.push(`    trailer: seq ${chain.firstSeq} to ${chain.lastSeq}, last hash ${chain.lastHash}, ${chain.checkpoints.length} checkpoint(s), ${lastCheckpoint}`);
    for (const key of chain.publicKeys) lines.push(`    key ${key.id}: ${key.publicKey}`);
  }
  lines.push(
    'The trailer is part of the file: only its signed checkpoints bind it to the records, and a forger who rewrites both',
    'and signs again with a key of their own passes this check. Compare the last seq and hash and the keys above with the',
    'live ledger (ledger_records, ledger_writer_keys) or with an earlier export of the same window.',
  );
  return `${lines.join('\n')}\n`;
}

/** The export's chain heads, for the terminal (stderr, as the records may be on stdout). */
function formatExportSummary(trailer: ExportTrailer, out: string | undefined): string {
  const lines = [`exported ${trailer.records} record(s) of ${trailer.chains.length} writer(s) answered in [${trailer.from}, ${trailer.to}) to ${out ?? 'standard output'}`];
  for (const chain of trailer.chains) {
    lines.push(`  ${chain.writer}: seq ${chain.firstSeq} to ${chain.lastSeq}, last hash ${chain.lastHash}, ${chain.checkpoints.length} checkpoint(s)`);
  }
  return `${lines.join('\n')}\n`;
}

/** Writes to `stream` one chunk at a time, waiting for 'drain' when it is full; a stream error fails the next write or the end. */
function streamWriter(stream: Writable): { write(chunk: string): Promise<void> } {
  let failure: Error | null = null;
  // Without a listener a write error (EPIPE, ENOSPC) would crash the process instead of being reported.
  stream.on('error', (error: Error) => {
    failure = error;
  });
  return {
    async write(chunk) {
      if (failure) throw failure;
      if (!stream.write(chunk)) await once(stream, 'drain');
    },
  };
}

/** `meridian ledger export`: the window is checked before the database is opened. */
async function exportToOutput(options: { from: string; to: string; format: string; out?: string }): Promise<void> {
  const window = exportWindow(options);
  await withDatabase(async (db) => {
    const file = options.out ? createWriteStream(options.out) : null;
    if (file) await once(file, 'open');
    const sink = streamWriter(file ?? process.stdout);
    await recordAdminAction(db.knex, cliActor, 'ledger.export', `${window.from.toISOString()}/${window.to.toISOString()}`, {
      format: window.format,
      out: options.out ?? null,
    });
    // Should the export fail midway, the output has no trailer, so it cannot pass for complete.
    const trailer = await exportLedger(db.knex, window, (chunk) => sink.write(chunk));
    if (file) {
      file.end();
      await finished(file);
    }
    process.stderr.write(formatExportSummary(trailer, options.out));
  });
}

function reportFailure(error: unknown): never {
  if (isMeridianError(error)) {
    process.stderr.write(`${error.code}: ${error.message}\n`);
    const problems = (error.extensions.problems ?? []) as Problem[];
    for (const problem of problems) process.stderr.write(`  ${problem.path}: ${problem.message}\n`);
    process.stderr.write(`${error.action}\n`);
  } else {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
}

const program = new Command('meridian').description('Meridian: cross-department government data-sharing exchange gateway');

program
  .command('serve')
  .description('run the gateway (PORT, DATABASE_URL, MERIDIAN_DATA_DIR, MERIDIAN_ADMIN_KEY, ...)')
  .action(() => serve().catch(reportFailure));

program
  .command('migrate')
  .description('apply pending database migrations')
  .action(() =>
    // Not withDatabase: it would migrate first, and this command could never report what it applied.
    withOpenDatabase(async (db) => {
      const applied = await migrateLatest(db.knex);
      process.stdout.write(applied.length > 0 ? `applied: ${applied.join(', ')}\n` : 'up to date\n');
    }).catch(reportFailure),
  );

const catalog = program.command('catalog').description('import or export the resource catalog');
catalog
  .command('import <file>')
  .description('register the departments, connectors and resources of a JSON or YAML catalog file (all or nothing)')
  .action((file: string) =>
    withDatabase(async (db) => {
      const parsed = parseCatalogText(readFileSync(file, 'utf8'), file);
      const summary = await importCatalog(db.knex, parsed, sourceKindsFor(config().connectors), cliActor);
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    }).catch(reportFailure),
  );
catalog
  .command('export')
  .description('write the catalog (current version of each resource) as JSON or YAML')
  .addOption(new Option('--format <format>', 'output format').choices(['json', 'yaml']).default('json'))
  .option('--out <file>', 'write to a file instead of standard output')
  .action((options: { format: 'json' | 'yaml'; out?: string }) =>
    withDatabase(async (db) => {
      const text = serializeCatalog(await exportCatalog(db.knex), options.format);
      if (options.out) writeFileSync(options.out, text);
      else process.stdout.write(text);
    }).catch(reportFailure),
  );

const keys = program.command('keys').description('API keys');
keys
  .command('issue')
  .description('issue an API key (shown once; stored hashed)')
  .requiredOption('--department <code>', '统一社会信用代码 of the holding department')
  .addOption(new Option('--role <role...>', 'one or more roles').choices([...ROLES]).makeOptionMandatory())
  .requiredOption('--label <label>', 'what the key is for')
  .option('--expires <datetime>', 'ISO 8601 expiry')
  .action((options: { department: string; role: string[]; label: string; expires?: string }) =>
    withDatabase(async (db) => {
      const issued = await issueApiKey(
        db.knex,
        { department: options.department, roles: options.role, label: options.label, expiresAt: options.expires ?? null },
        cliActor,
        { now: new Date() },
      );
      process.stdout.write(`${issued.key}\n`);
      process.stderr.write(`key id ${issued.keyId}, roles ${issued.principal.roles.join(', ')}; it is shown only this once\n`);
    }).catch(reportFailure),
  );

// The exchange log; its subcommands each open the database themselves.
const ledger = program.command('ledger').description('the exchange log: verify its hash chains and checkpoints, export it, archive old months');
ledger
  .command('verify')
  .description(
    "recompute every writer's hash chain and check its signed checkpoints, in the database or, with --file, in an export file " +
      '(offline, no database opened); exits 1 when any chain is broken',
  )
  .option('--from <datetime>', 'check the records from this ISO 8601 date-time with offset')
  .option('--to <datetime>', 'check the records before this ISO 8601 date-time with offset')
  .option('--file <path>', 'verify this export file (meridian ledger export, GET /ledger/export) instead of the database')
  .action((options: { from?: string; to?: string; file?: string }) => {
    if (options.file !== undefined) {
      const file = options.file;
      if (options.from !== undefined || options.to !== undefined) {
        reportFailure(badInput('--from and --to select records in the database; an export file is verified whole, without them'));
      }
      return verifyExportFile(file)
        .then((verification) => {
          process.stdout.write(formatFileVerification(file, verification));
          if (!verification.ok) process.exitCode = 1;
        })
        .catch(reportFailure);
    }
    return withDatabase(async (db) => {
      const verification = await verifyLedger(db.knex, { from: options.from, to: options.to });
      process.stdout.write(formatVerification(verification, options));
      if (!verification.ok) process.exitCode = 1;
    }).catch(reportFailure);
  });
ledger
  .command('export')
  .description(
    'write the exchange records answered in [from, to) as JSON Lines or CSV, closed by a trailer of chain heads, keys and ' +
      'signed checkpoints that `meridian ledger verify --file` checks offline',
  )
  .requiredOption('--from <datetime>', 'start, included: ISO 8601 date-time with offset, such as 2026-01-01T00:00:00+08:00')
  .requiredOption('--to <datetime>', 'end, excluded: same form, at most 366 days after --from')
  .addOption(new Option('--format <format>', 'file format').choices(['jsonl', 'csv']).default('jsonl'))
  .option('--out <file>', 'write to a file instead of standard output')
  .action((options: { from: string; to: string; format: string; out?: string }) => exportToOutput(options).catch(reportFailure));

/** What an archive run did, as lines for a terminal: each file with its record count and SHA-256. */
function formatArchive(summary: LedgerArchiveSummary): string {
  if (summary.partitions.length === 0) return `nothing to archive before ${summary.before}\n`;
  const lines = [`archived the ledger before ${summary.before}: ${summary.partitions.length} partition(s), ${summary.records} record(s)`];
  for (const partition of summary.partitions) {
    const file = summary.files.find((written) => written.partition === partition);
    lines.push(file ? `  ${file.path}: ${file.records} record(s), sha256 ${file.sha256}` : `  ${partition}: no records, dropped without a file`);
  }
  return `${lines.join('\n')}\n`;
}

ledger
  .command('archive')
  .description('write the monthly partitions before a month past retention (ledger.retentionMonths) to verifiable files, then drop them')
  .requiredOption('--before <month>', 'archive the months before this one: YYYY-MM, or the first instant of a UTC month')
  .requiredOption('--dir <directory>', 'folder of the archive files (created when missing)')
  .addOption(new Option('--format <format>', 'file format').choices(['jsonl', 'csv']).default('jsonl'))
  .action((options: { before: string; dir: string; format: 'jsonl' | 'csv' }) =>
    withDatabase(async (db) => {
      const summary = await archiveLedger(db.knex, {
        before: options.before,
        directory: options.dir,
        retentionMonths: config().ledger.retentionMonths,
        now: new Date(),
        format: options.format,
      });
      process.stdout.write(formatArchive(summary));
    }).catch(reportFailure),
  );

program
  .command('report')
  .description('print the information-resources indicator report of [from, to) (docs/indicators.md)')
  .requiredOption('--from <when>', 'start, included: a date-time with offset, or a date or month (YYYY-MM-DD, YYYY-MM) in the configured time zone')
  .requiredOption('--to <when>', 'end, excluded: same forms as --from')
  .addOption(new Option('--granularity <granularity>', 'buckets of the series').choices([...GRANULARITIES]).default('DAY'))
  .addOption(new Option('--format <format>', 'output format').choices([...REPORT_FORMATS]).default('md'))
  .option('--out <file>', 'write to a file instead of standard output')
  .action((options: { from: string; to: string; granularity: Granularity; format: ReportFormat; out?: string }) =>
    withDatabase(async (db) => {
      const { timeZone } = config();
      const catalog = await loadCatalogSnapshot(db.knex);
      const report = await buildIndicatorReport(db.knex, catalog, {
        from: parseReportInstant(options.from, timeZone),
        to: parseReportInstant(options.to, timeZone),
        granularity: options.granularity,
        timeZone,
        now: new Date(),
      });
      const text = formatIndicatorReport(report, options.format, catalog.departments);
      if (options.out) writeFileSync(options.out, text);
      else process.stdout.write(text);
    }).catch(reportFailure),
  );

await program.parseAsync(process.argv);
