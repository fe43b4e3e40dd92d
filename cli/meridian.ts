#!/usr/bin/env node
/**
 * The `meridian` command: serve, migrate, catalog import|export, keys issue, ledger verify, report.
 * Every command reads the same configuration as the gateway (environment and
 * MERIDIAN_CONFIG). On the embedded database, stop a running gateway before
 * using a command that opens the same data folder (PGlite is single-process).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { loadConfig, type MeridianConfig } from '../common/config.js';
import { isMeridianError, type Problem } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { cliActor, migrateLatest, type Database } from '../db/index.js';
import { exportCatalog, importCatalog, loadCatalogSnapshot, parseCatalogText, serializeCatalog } from '../catalog/index.js';
import { sourceKindsFor } from '../connectors/index.js';
import { ROLES } from '../catalog/index.js';
import { hashApiKey, issueApiKey } from '../gateway/auth/apiKeys.js';
import { verifyLedger, type LedgerVerification } from '../ledger/index.js';
import { openConfiguredDatabase, startGateway } from '../gateway/createGateway.js';
import { readDemoKeys, demoKeysPath, type DemoKey } from '../gateway/startup/loadDemo.js';
import { GRANULARITIES, parseReportInstant, type Granularity } from '../ledger/indicatorPeriod.js';
import { buildIndicatorReport } from '../ledger/indicatorReport.js';
import { REPORT_FORMATS, formatIndicatorReport, type ReportFormat } from '../ledger/indicatorReportFormats.js';

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
const ledger = program.command('ledger').description('the exchange log: verify its hash chains and checkpoints');
ledger
  .command('verify')
  .description("recompute every writer's hash chain and check its signed checkpoints; exits 1 when any chain is broken")
  .option('--from <datetime>', 'check the records from this ISO 8601 date-time with offset')
  .option('--to <datetime>', 'check the records before this ISO 8601 date-time with offset')
  .action((options: { from?: string; to?: string }) =>
    withDatabase(async (db) => {
      const verification = await verifyLedger(db.knex, { from: options.from, to: options.to });
      process.stdout.write(formatVerification(verification, options));
      if (!verification.ok) process.exitCode = 1;
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
