/** The information-resources indicator report (docs/indicators.md defines each figure). */
import { buildIndicatorReport, type DepartmentFigures } from '../../../ledger/indicatorReport.js';
import type { Granularity } from '../../../ledger/indicatorPeriod.js';
import type { RequestContext } from '../../context.js';
import { requireRole } from './access.js';
import { departmentOf } from './catalogResolvers.js';

interface IndicatorArgs {
  /** ISO 8601 UTC, as the DateTime scalar parsed it. */
  readonly from: string;
  readonly to: string;
  readonly granularity?: Granularity | null;
}

export const reportResolvers = {
  Query: {
    async indicators(_: unknown, args: IndicatorArgs, ctx: RequestContext) {
      requireRole(ctx.principal, 'indicators', 'AUDITOR', 'CATALOG_ADMIN');
      return buildIndicatorReport(ctx.services.knex, ctx.catalog, {
        from: new Date(args.from),
        to: new Date(args.to),
        granularity: args.granularity ?? 'DAY',
        timeZone: ctx.services.config.timeZone,
        now: ctx.services.clock.now(),
      });
    },
  },

  DepartmentFigures: {
    department: (figures: DepartmentFigures, _: unknown, ctx: RequestContext) => departmentOf(ctx.catalog, figures.department),
  },
};
