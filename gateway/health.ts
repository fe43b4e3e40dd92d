/**
 * /health/live: the process answers. /health/ready: it can serve exchanges,
 * meaning the database answers, the ledger writer is healthy, the caches
 * loaded, and it is not shutting down. Connector states are listed too.
 */
import { Router, type Request, type Response } from 'express';
import type { Knex } from 'knex';
import type { LedgerWriter } from '../ledger/index.js';
import type { GatewayState } from './state/GatewayState.js';
import type { ConnectorPool } from './state/connectorPool.js';

export interface HealthSources {
  readonly knex: Knex;
  readonly ledger: LedgerWriter;
  readonly state: GatewayState;
  readonly connectors: ConnectorPool;
  /** False once shutdown began. */
  readonly accepting: () => boolean;
}

async function databaseAnswers(knex: Knex, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([knex.raw('select 1').then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The health routes. */
export function healthRouter(sources: HealthSources): Router {
  const router = Router();
  router.get('/health/live', (_req: Request, res: Response) => {
    res.json({ status: 'live' });
  });
  router.get('/health/ready', async (_req: Request, res: Response) => {
    const ledger = sources.ledger.health();
    const database = await databaseAnswers(sources.knex, 2000);
    const checks = {
      accepting: sources.accepting(),
      database: { ok: database },
      ledger: { ok: ledger.ok, pending: ledger.pending, lastCommitAt: ledger.lastCommitAt, lastError: ledger.lastError },
      caches: { ok: sources.state.reloadError === null, lastError: sources.state.reloadError },
      connectors: sources.connectors.list().map((connector) => ({ id: connector.id, ...connector.status() })),
    };
    const ready = checks.accepting && database && ledger.ok;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });
  return router;
}
