/**
 * Real databases for integration tests: PGlite always, PostgreSQL when
 * TEST_DATABASE_URL names a server. Each test database is new, migrated and
 * dropped afterwards, so suites never see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, migrateLatest, type Database, type DatabaseKind } from '../../db/index.js';

/** The PostgreSQL server tests may create databases on, or null. */
export const testDatabaseUrl: string | null = process.env.TEST_DATABASE_URL || null;

/** The kinds of database the integration tests run against in this process. */
export const databaseKinds: readonly DatabaseKind[] = testDatabaseUrl ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabase {
  readonly db: Database;
  /** URL of the PostgreSQL test database; null for PGlite. */
  readonly url: string | null;
  drop(): Promise<void>;
}

let migratedPgliteDump: Promise<Blob> | null = null;

/** A migrated, empty PGlite in memory, restored from one dump made per process (saves initdb time). */
async function createPglite(): Promise<TestDatabase> {
  migratedPgliteDump ??= (async () => {
    const seed = await openDatabase({ memory: true });
    await migrateLatest(seed.knex);
    const pglite = (seed.knex.client as unknown as { pglite: { dumpDataDir(c: 'none'): Promise<Blob> } }).pglite;
    const dump = await pglite.dumpDataDir('none');
    await seed.close();
    return dump;
  })();
  const db = await openDatabase({ memory: true, loadDataDir: await migratedPgliteDump });
  return { db, url: null, drop: () => db.close() };
}

/** A new PostgreSQL database on the TEST_DATABASE_URL server, migrated. */
async function createPostgres(): Promise<TestDatabase> {
  if (!testDatabaseUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `meridian_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: testDatabaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(testDatabaseUrl, name);
  const db = await openDatabase({ url, poolMax: 10 });
  await migrateLatest(db.knex);
  return {
    db,
    url,
    async drop() {
      await db.close();
      const dropper = new pg.Client({ connectionString: testDatabaseUrl });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/** Creates a fresh, migrated test database of `kind`. */
export function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  return kind === 'pglite' ? createPglite() : createPostgres();
}

/** `url` with its database name replaced. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * Declares `suite` once per database kind, each with its own fresh database
 * (created before the suite's tests, dropped after).
 */
export function describeEachDatabase(title: string, suite: (get: () => TestDatabase, kind: DatabaseKind) => void): void {
  for (const kind of databaseKinds) {
    describe(`${title} (${kind === 'pglite' ? 'PGlite' : 'PostgreSQL'})`, function () {
      this.timeout(60_000);
      let current: TestDatabase | null = null;
      before(async () => {
        current = await createTestDatabase(kind);
      });
      suite(() => {
        if (!current) throw new Error('test database not ready');
        return current;
      }, kind);
      // Registered after the suite's own hooks, so it runs after them (mocha keeps registration order).
      after(async () => {
        await current?.drop();
        current = null;
      });
    });
  }
}

/**
 * Runs `work` on the database a CLI child process reads: the PostgreSQL test
 * database when there is one, else PGlite in `dataDir`, opened (and migrated)
 * for this call only, since PGlite is opened by one process at a time.
 */
export async function onCliDatabase<T>(server: TestDatabase | null, dataDir: string, work: (db: Database) => Promise<T>): Promise<T> {
  if (server) return work(server.db);
  const db = await openDatabase({ dataDir });
  try {
    await migrateLatest(db.knex);
    return await work(db);
  } finally {
    await db.close();
  }
}
