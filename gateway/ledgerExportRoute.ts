/**
 * GET /ledger/export?from=&to=&format=jsonl|csv: the exchange log of a time
 * window for auditors, streamed as it is read (see ledger/exportLedger.ts),
 * with the chain heads it covers at the end so the file verifies offline.
 * Every export is recorded in the admin audit trail.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Request, Response, Router } from 'express';
import { Router as createRouter } from 'express';
import { isMeridianError, meridianError, type MeridianError } from '../common/errors.js';
import { recordAdminAction } from '../db/index.js';
import { exportLedger, exportWindow } from '../ledger/index.js';
import { authenticate } from './auth/apiKeys.js';
import type { GatewayServices } from './context.js';

function sendError(res: Response, error: MeridianError): void {
  res.status(error.status).json({ errors: [{ message: error.message, extensions: { code: error.code, action: error.action } }] });
}

/** The export route, for principals holding AUDITOR. */
export function ledgerExportRouter(services: GatewayServices): Router {
  const router = createRouter();
  router.get('/ledger/export', async (req: Request, res: Response) => {
    let started = false;
    // A client that hangs up mid-export never drains: stop reading the ledger instead of waiting forever.
    const hungUp = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) hungUp.abort();
    });
    try {
      const principal = authenticate(services.state.keys, req.get('authorization'), services.clock.now());
      if (!principal.roles.includes('AUDITOR')) throw meridianError('FORBIDDEN', { operation: 'Exporting the exchange log', roles: ['AUDITOR'] });
      const window = exportWindow(req.query);
      await recordAdminAction(services.knex, { keyId: principal.keyId, department: principal.department, via: 'http' }, 'ledger.export', `${window.from.toISOString()}/${window.to.toISOString()}`, {
        format: window.format,
      });
      const stamp = `${window.from.toISOString().slice(0, 10)}_${window.to.toISOString().slice(0, 10)}`;
      res.status(200);
      res.setHeader('content-type', window.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
      res.setHeader('content-disposition', `attachment; filename="meridian-ledger_${stamp}.${window.format}"`);
      started = true;
      await exportLedger(services.knex, window, async (chunk) => {
        if (hungUp.signal.aborted) throw new Error('the client closed the connection');
        if (!res.write(chunk)) await once(res, 'drain', { signal: hungUp.signal });
      });
      res.end();
    } catch (error) {
      if (started) {
        // Headers are sent: cut the body short so the file has no trailer and cannot pass for complete.
        const reason = hungUp.signal.aborted ? 'the client closed the connection' : error instanceof Error ? error.message : String(error);
        services.logger.warn({ err: reason }, 'ledger export stopped midway');
        res.destroy();
        return;
      }
      if (isMeridianError(error)) return sendError(res, error);
      const errorId = randomUUID();
      services.logger.error({ errorId, err: error instanceof Error ? error.message : String(error) }, 'ledger export failed');
      sendError(res, meridianError('INTERNAL', { errorId }));
    }
  });
  return router;
}
