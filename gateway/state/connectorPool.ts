/**
 * The running connectors of one gateway instance, kept in step with the
 * catalog: new connectors start, changed ones are replaced (the old instance
 * is stopped only after requests that hold it had time to finish), removed
 * ones stop.
 */
import type { Logger } from '../../common/logger.js';
import type { ConnectorRecord } from '../../catalog/index.js';
import { createConnector, type Connector, type ConnectorContext } from '../../connectors/index.js';

export class ConnectorPool {
  private readonly running = new Map<string, { connector: Connector; configJson: string }>();
  private readonly retiring = new Map<NodeJS.Timeout, Connector>();

  constructor(
    private readonly context: ConnectorContext,
    private readonly logger: Logger,
    /** How long a replaced connector keeps serving fetches already holding it. */
    private readonly retireAfterMs: number,
  ) {}

  /** The running connector of `id`, or undefined. */
  get(id: string): Connector | undefined {
    return this.running.get(id)?.connector;
  }

  /** Every running connector, for status views. */
  list(): Connector[] {
    return [...this.running.values()].map((entry) => entry.connector);
  }

  /** Starts, replaces and stops connectors so the pool matches `records`. */
  async reconcile(records: ReadonlyMap<string, ConnectorRecord>): Promise<void> {
    for (const [id, entry] of this.running) {
      if (!records.has(id)) {
        this.running.delete(id);
        this.retire(entry.connector);
      }
    }
    for (const record of records.values()) {
      const configJson = JSON.stringify(record.config);
      const current = this.running.get(record.id);
      if (current && current.configJson === configJson) continue;
      const connector = createConnector(record, this.context);
      try {
        await connector.start();
      } catch (error) {
        // A source that is down at start stays in the pool: its status says ERROR and fetches fail typed.
        this.logger.warn({ connector: record.id, err: error instanceof Error ? error.message : String(error) }, 'connector did not start');
      }
      this.running.set(record.id, { connector, configJson });
      if (current) this.retire(current.connector);
    }
  }

  private retire(connector: Connector): void {
    const timer = setTimeout(() => {
      this.retiring.delete(timer);
      connector.stop().catch((error: unknown) => this.logger.warn({ connector: connector.id, err: String(error) }, 'connector stop failed'));
    }, this.retireAfterMs);
    timer.unref();
    this.retiring.set(timer, connector);
  }

  /** Stops every connector, retiring ones included. */
  async stop(): Promise<void> {
    for (const timer of this.retiring.keys()) clearTimeout(timer);
    const all = [...this.running.values()].map((entry) => entry.connector).concat([...this.retiring.values()]);
    this.retiring.clear();
    this.running.clear();
    await Promise.all(all.map((connector) => connector.stop().catch(() => undefined)));
  }
}
