/**
 * An upstream Meridian for federation tests: a real gateway process (`node
 * --import tsx cli/meridian.ts serve`) with the demo (or a catalog of the
 * test's own) loaded into a fresh PostgreSQL database, so a test can read the
 * upstream's source tables and ledger while it runs. Also a GraphQL client that sends extra headers
 * (x-meridian-on-behalf-of), as a local gateway does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Knex } from 'knex';
import type { Role } from '../../catalog/index.js';
import { createTestDatabase, type TestDatabase } from './databases.js';
import { startGatewayProcess, type GatewayProcess } from './processGateway.js';
import { childEnv, freePort, temporaryFolder } from './processRunner.js';

/** Starting a gateway from the sources and loading the demo take a while on a small machine. */
export const UPSTREAM_START_MS = 150_000;

/** A demo key as the upstream saved it in its data folder (demo-keys.json). */
export interface UpstreamDemoKey {
  readonly role: Role;
  readonly department: string;
  readonly departmentName: string;
  readonly key: string;
}

/** A running upstream gateway and its database. */
export interface UpstreamGateway {
  readonly process: GatewayProcess;
  /** Its GraphQL endpoint, e.g. http://127.0.0.1:43121/graphql. */
  readonly url: string;
  /** `host:port` of the endpoint, as an allow-list entry names it. */
  readonly hostPort: string;
  /** The upstream's own database: demo source tables, catalog, ledger. */
  readonly knex: Knex;
  /** The demo key of each role, with its holding department. */
  readonly keys: Readonly<Partial<Record<Role, UpstreamDemoKey>>>;
  /** Stops the process (SIGKILL of its group); the database stays readable until close(). */
  stop(): Promise<void>;
  /** Stops the process, drops the database and removes the data folder. */
  close(): Promise<void>;
}

/** How an upstream starts: with the demo (the default), or with what `prepare` puts in its new database. */
export interface UpstreamGatewayOptions {
  /** Load the demo into the empty database (default true); without it, `keys` is empty. */
  readonly demo?: boolean;
  /** Runs on the new, migrated database before the gateway starts: source tables, catalog, keys. */
  readonly prepare?: (knex: Knex) => Promise<void>;
}

/**
 * Starts an upstream gateway on a new PostgreSQL database of the
 * TEST_DATABASE_URL server (callers skip when there is none), with the demo
 * unless `options` say otherwise.
 */
export async function startUpstreamGateway(options: UpstreamGatewayOptions = {}): Promise<UpstreamGateway> {
  const demo = options.demo ?? true;
  const folder = temporaryFolder('meridian-upstream');
  let database: TestDatabase | null = null;
  let gateway: GatewayProcess | null = null;
  try {
    database = await createTestDatabase('postgres');
    await options.prepare?.(database.db.knex);
    const env = childEnv({
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      DATABASE_URL: database.url!,
      MERIDIAN_DATA_DIR: folder.path,
      MERIDIAN_DEMO: String(demo),
      MERIDIAN_LOG_LEVEL: 'warn',
    });
    gateway = await startGatewayProcess(process.execPath, ['--import', 'tsx', 'cli/meridian.ts', 'serve'], env, UPSTREAM_START_MS);
  } catch (error) {
    await database?.drop();
    folder.remove();
    throw error;
  }
  const saved = demo ? (JSON.parse(readFileSync(join(folder.path, 'demo-keys.json'), 'utf8')) as UpstreamDemoKey[]) : [];
  const keys: Partial<Record<Role, UpstreamDemoKey>> = {};
  for (const key of saved) keys[key.role] = key;
  const running = gateway;
  const db = database;
  return {
    process: running,
    url: running.banner.url,
    hostPort: new URL(running.banner.url).host,
    knex: db.db.knex,
    keys,
    stop: () => running.process.kill(),
    async close() {
      await running.process.kill();
      await db.drop();
      folder.remove();
    },
  };
}
