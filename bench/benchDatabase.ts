/**
 * The bench's scratch database: a new, migrated database on a real PostgreSQL
 * server, dropped at the end whatever happened, so a run leaves nothing behind.
 */
import pg from 'pg';
import { migrateLatest, openDatabase, type Database } from '../db/index.js';

/** Where the bench runs: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local server. */
export function benchServerUrl(env: NodeJS.ProcessEnv): string {
  return env.BENCH_DATABASE_URL || env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
}

export interface ScratchDatabase {
  readonly name: string;
  readonly url: string;
  readonly db: Database;
  /** Closes the pool and drops the database; safe to call more than once. */
  drop(): Promise<void>;
}

/** Creates meridian_bench_<pid> on the server of `serverUrl` and migrates it. */
export async function createScratchDatabase(serverUrl: string): Promise<ScratchDatabase> {
  const name = `meridian_bench_${process.pid}`;
  await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  const url = withDatabase(serverUrl, name);
  let dropping: Promise<void> | null = null;
  const dropDatabase = () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  let db: Database;
  try {
    // The ingest runs up to 64 appenders, but the writer holds one connection at a time; 4 leaves room for the rest.
    db = await openDatabase({ url, poolMax: 4, applicationName: 'meridian-bench' });
    await migrateLatest(db.knex);
  } catch (error) {
    await dropDatabase();
    throw error;
  }
  return {
    name,
    url,
    db,
    drop() {
      dropping ??= db.close().catch(() => undefined).then(dropDatabase);
      return dropping;
    },
  };
}

/** One statement on the server's maintenance database (CREATE/DROP DATABASE cannot run inside the target). */
async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl, application_name: 'meridian-bench-admin' });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** `url` with its database name replaced. */
function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
