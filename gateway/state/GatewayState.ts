/**
 * Everything the hot path reads, held in memory: the catalog snapshot, the key
 * index and the grant index. Each is replaced whole when the database says it
 * changed (NOTIFY from any instance), on a periodic safety-net refresh, and
 * after this instance's own changes. Requests read whichever snapshot was
 * current when they began.
 */
import type { Knex } from 'knex';
import type { Logger } from '../../common/logger.js';
import { CHANGES_CHANNEL, parseChangeKind, type ChangeKind, type Database } from '../../db/index.js';
import { loadCatalogSnapshot, type CatalogSnapshot } from '../../catalog/index.js';
import { loadKeyIndex, type KeyIndex } from '../auth/apiKeys.js';
import { loadGrantIndex, type GrantIndex } from '../grants/grantStore.js';
import type { ConnectorPool } from './connectorPool.js';

/** Called after a new catalog snapshot is in place (the schema is rebuilt from it). */
export type CatalogListener = (catalog: CatalogSnapshot) => void;

const ALL_KINDS: readonly ChangeKind[] = ['catalog', 'keys', 'grants'];

export class GatewayState {
  private catalogSnapshot: CatalogSnapshot;
  private keyIndex: KeyIndex;
  private grantIndex: GrantIndex;
  private readonly pending = new Set<ChangeKind>();
  private reloading: Promise<void> | null = null;
  private readonly listeners = new Set<CatalogListener>();
  private unlisten: (() => Promise<void>) | null = null;
  private refreshTimer: NodeJS.Timeout | null = null;
  private lastReloadError: string | null = null;

  private constructor(
    private readonly knex: Knex,
    private readonly connectors: ConnectorPool,
    private readonly logger: Logger,
    catalog: CatalogSnapshot,
    keys: KeyIndex,
    grants: GrantIndex,
  ) {
    this.catalogSnapshot = catalog;
    this.keyIndex = keys;
    this.grantIndex = grants;
  }

  /** Loads every cache and starts the connectors of the catalog. */
  static async load(knex: Knex, connectors: ConnectorPool, logger: Logger): Promise<GatewayState> {
    const [catalog, keys, grants] = await Promise.all([loadCatalogSnapshot(knex), loadKeyIndex(knex), loadGrantIndex(knex)]);
    await connectors.reconcile(catalog.connectors);
    return new GatewayState(knex, connectors, logger, catalog, keys, grants);
  }

  get catalog(): CatalogSnapshot {
    return this.catalogSnapshot;
  }

  get keys(): KeyIndex {
    return this.keyIndex;
  }

  get grants(): GrantIndex {
    return this.grantIndex;
  }

  /** The error of the last failed reload, or null (shown by /health/ready). */
  get reloadError(): string | null {
    return this.lastReloadError;
  }

  /** Subscribes to catalog replacements. */
  onCatalog(listener: CatalogListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Listens for change notifications and refreshes everything every
   * `refreshMs` as a safety net (a notification can be lost while the
   * listening connection is re-opened; then everything is reloaded too).
   */
  async watch(db: Database, refreshMs: number): Promise<void> {
    this.unlisten = await db.listen(
      CHANGES_CHANNEL,
      (payload) => {
        const kind = parseChangeKind(payload);
        if (kind) void this.refresh(kind);
      },
      () => void this.refresh(...ALL_KINDS),
    );
    this.refreshTimer = setInterval(() => void this.refresh(...ALL_KINDS), refreshMs);
    this.refreshTimer.unref();
  }

  /**
   * Reloads the given caches. Calls made while a reload runs are coalesced
   * into the next one; the returned promise settles when a reload that began
   * after this call has finished.
   */
  refresh(...kinds: ChangeKind[]): Promise<void> {
    for (const kind of kinds) this.pending.add(kind);
    if (!this.reloading) {
      this.reloading = this.drain().finally(() => {
        this.reloading = null;
      });
      return this.reloading;
    }
    // A reload is running; chain one more pass so this caller sees its kinds reloaded.
    return this.reloading.then(() => (this.pending.size > 0 ? this.refresh() : undefined));
  }

  private async drain(): Promise<void> {
    while (this.pending.size > 0) {
      const kinds = [...this.pending];
      this.pending.clear();
      try {
        await Promise.all(kinds.map((kind) => this.reload(kind)));
        this.lastReloadError = null;
      } catch (error) {
        this.lastReloadError = error instanceof Error ? error.message : String(error);
        this.logger.error({ err: this.lastReloadError, kinds }, 'cache reload failed; serving the previous state');
      }
    }
  }

  private async reload(kind: ChangeKind): Promise<void> {
    if (kind === 'keys') {
      this.keyIndex = await loadKeyIndex(this.knex);
    } else if (kind === 'grants') {
      this.grantIndex = await loadGrantIndex(this.knex);
    } else {
      const catalog = await loadCatalogSnapshot(this.knex);
      await this.connectors.reconcile(catalog.connectors);
      this.catalogSnapshot = catalog;
      for (const listener of this.listeners) listener(catalog);
    }
  }

  /** Stops listening and refreshing. */
  async stop(): Promise<void> {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    this.refreshTimer = null;
    await this.unlisten?.();
    this.unlisten = null;
    await this.reloading;
  }
}
