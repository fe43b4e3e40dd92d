/** The information-resources indicator report. TODO(#5): computed from hourly roll-ups of the ledger. */
import { meridianError } from '../../../common/errors.js';
import type { RequestContext } from '../../context.js';
import { requireRole } from './access.js';

export const reportResolvers = {
  Query: {
    indicators(_: unknown, __: unknown, ctx: RequestContext) {
      requireRole(ctx.principal, 'indicators', 'AUDITOR', 'CATALOG_ADMIN');
      throw meridianError('NOT_AVAILABLE', { operation: 'indicators' });
    },
  },
};
