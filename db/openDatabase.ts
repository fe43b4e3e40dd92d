/**
 * The gateway's own database: PGlite (embedded, in a data folder or in memory)
 * or a PostgreSQL server named by a URL, both behind knex.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import knexModule, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import pg from 'pg';

export type DatabaseKind = 'pglite' | 'postgres';

/** Handler of one NOTIFY payload. */
export type NotificationHandler = (payload: string) => void;

export interface Database {
  readonly kind: DatabaseKind;
  readonly knex: Knex;
  /**
   * Subscribes to NOTIFY on `channel`. On PostgreSQL a dropped listening
   * connection is re-opened and `onReconnect` called, since notifications may
   * have been missed meanwhile. Returns the unsubscribe function.
   */
  listen(channel: string, onMessage: NotificationHandler, onReconnect?: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export type DatabaseOptions =
  | { readonly url: string; readonly poolMax?: number; readonly applicationName?: string }
  | { readonly dataDir: string }
  | { readonly memory: true; readonly loadDataDir?: Blob };

const knexFactory = knexModule.knex ?? (knexModule as unknown as typeof knexModule.knex);

/** int8 as a JS number while it is exact; larger values stay strings (the Long scalar rejects them). */
function parseInt8(value: string): number | string {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}

/** Type parsers shared by both drivers: dates stay `YYYY-MM-DD`, int8 becomes a number. */
const customParsers: Readonly<Record<number, (value: string) => unknown>> = {
  20: parseInt8, // int8
  1082: (value) => value, // date
};

const pgTypes = {
  getTypeParser(oid: number, format?: string) {
    const custom = customParsers[oid];
    if (custom && format !== 'binary') return custom;
    return pg.types.getTypeParser(oid, format === 'binary' ? 'binary' : 'text');
  },
};

/** Opens the database and waits until it answers. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if ('url' in options) return openPostgres(options.url, options.poolMax ?? 10, options.applicationName ?? 'meridian');
  if ('dataDir' in options) {
    const dir = resolve(options.dataDir, 'pglite');
    mkdirSync(dir, { recursive: true });
    return openPglite(new PGlite(dir, { parsers: customParsers }));
  }
  return openPglite(new PGlite({ parsers: customParsers, ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}) }));
}

async function openPglite(pglite: PGlite): Promise<Database> {
  await pglite.waitReady;
  const knex = knexFactory({
    client: ClientPgLite as unknown as typeof Knex.Client,
    dialect: 'postgres',
    connection: () => ({ pglite }) as unknown as Knex.StaticConnectionConfig,
  });
  return {
    kind: 'pglite',
    knex,
    async listen(channel, onMessage) {
      const unsubscribe = await pglite.listen(channel, onMessage);
      return unsubscribe;
    },
    async close() {
      await knex.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}

async function openPostgres(url: string, poolMax: number, applicationName: string): Promise<Database> {
  const connection = { connectionString: url, types: pgTypes, application_name: applicationName };
  const knex = knexFactory({ client: 'pg', connection, pool: { min: 0, max: poolMax } });
  await knex.raw('select 1');
  const listeners = new Set<PostgresListener>();
  return {
    kind: 'postgres',
    knex,
    async listen(channel, onMessage, onReconnect) {
      const listener = new PostgresListener(url, channel, onMessage, onReconnect);
      await listener.start();
      listeners.add(listener);
      return async () => {
        listeners.delete(listener);
        await listener.stop();
      };
    },
    async close() {
      await Promise.all([...listeners].map((l) => l.stop()));
      await knex.destroy();
    },
  };
}

/** One dedicated connection that LISTENs on a channel and comes back after a drop. */
class PostgresListener {
  private client: pg.Client | null = null;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly onMessage: NotificationHandler,
    private readonly onReconnect?: () => void,
  ) {}

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: 'meridian-listener' });
    client.on('notification', (msg) => {
      if (msg.channel === this.channel) this.onMessage(msg.payload ?? '');
    });
    client.on('error', () => this.scheduleReconnect(client));
    client.on('end', () => this.scheduleReconnect(client));
    await client.connect();
    await client.query(`LISTEN ${pg.escapeIdentifier(this.channel)}`);
    this.client = client;
  }

  private scheduleReconnect(failed: pg.Client): void {
    if (this.stopped || this.client !== failed || this.retryTimer) return;
    this.client = null;
    const attempt = (delay: number): void => {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        if (this.stopped) return;
        this.start().then(
          () => this.onReconnect?.(),
          () => attempt(Math.min(delay * 2, 10_000)),
        );
      }, delay);
      this.retryTimer.unref();
    };
    attempt(250);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
  }
}
