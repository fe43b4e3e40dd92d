/** The exchange log for auditors: find exchanges, verify the chains. */
import { badInput } from '../../../common/errors.js';
import { rowToChainedRecord, verifyLedger, type ChainedRecord, type LedgerRow } from '../../../ledger/index.js';
import type { RequestContext } from '../../context.js';
import { requireRole } from './access.js';
import { departmentOf } from './catalogResolvers.js';

interface ExchangeFilter {
  from?: string | null;
  to?: string | null;
  consumer?: string | null;
  provider?: string | null;
  resource?: string | null;
  outcome?: string | null;
  errorCode?: string | null;
  exchangeId?: string | null;
  requestId?: string | null;
  decisionId?: string | null;
  grantId?: string | null;
}

/** Columns filtered by equality, by filter field (consumer is matched apart: see below). */
const EQUALITY_FILTERS: Readonly<Record<string, string>> = {
  provider: 'provider_department',
  resource: 'resource_code',
  outcome: 'outcome',
  errorCode: 'error_code',
  exchangeId: 'exchange_id',
  requestId: 'request_id',
  decisionId: 'decision_id',
  grantId: 'grant_id',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function encodeCursor(record: ChainedRecord): string {
  return Buffer.from(JSON.stringify([record.at, record.writerId, record.seq])).toString('base64url');
}

function isIsoInstant(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const time = Date.parse(value);
  return !Number.isNaN(time) && new Date(time).toISOString() === value;
}

function decodeCursor(cursor: string): [string, string, number] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    // The instant must be exactly as encodeCursor wrote it: anything else would reach the database as a bad timestamp.
    if (Array.isArray(value) && isIsoInstant(value[0]) && typeof value[1] === 'string' && Number.isSafeInteger(value[2])) {
      return value as [string, string, number];
    }
  } catch {
    // fall through to the typed error
  }
  throw badInput('`after` is not an exchanges cursor: pass pageInfo.endCursor of the previous page');
}

export const ledgerResolvers = {
  Query: {
    async exchanges(_: unknown, args: { filter?: ExchangeFilter | null; first?: number | null; after?: string | null }, ctx: RequestContext) {
      requireRole(ctx.principal, 'exchanges', 'AUDITOR');
      const first = args.first ?? 50;
      const max = ctx.services.config.limits.maxPageSize;
      if (!Number.isInteger(first) || first < 0 || first > max) throw badInput(`first must be between 0 and ${max}`);
      const filter = args.filter ?? {};
      const query = ctx.services.knex('ledger_records').select('*');
      for (const [field, column] of Object.entries(EQUALITY_FILTERS)) {
        const value = filter[field as keyof ExchangeFilter];
        if (value === null || value === undefined) continue;
        // exchange_id is a uuid column: a malformed id matches nothing rather than failing the cast.
        if (field === 'exchangeId' && !UUID.test(value)) return { nodes: [], pageInfo: { hasNextPage: false, endCursor: null } };
        query.where(column, value);
      }
      // The consumer is the calling department or the one a calling gateway asked for, as in the indicator report.
      const { consumer } = filter;
      if (consumer) query.where((match) => match.where('consumer_department', consumer).orWhere('on_behalf_of', consumer));
      if (filter.from) query.where('at', '>=', filter.from);
      if (filter.to) query.where('at', '<', filter.to);
      if (args.after) query.whereRaw('(at, writer_id, seq) < (?, ?, ?)', decodeCursor(args.after));
      const rows = (await query.orderBy([
        { column: 'at', order: 'desc' },
        { column: 'writer_id', order: 'desc' },
        { column: 'seq', order: 'desc' },
      ]).limit(first + 1)) as LedgerRow[];
      const records = rows.slice(0, first).map(rowToChainedRecord);
      const last = records[records.length - 1];
      return {
        nodes: records,
        pageInfo: { hasNextPage: rows.length > first, endCursor: last ? encodeCursor(last) : null },
      };
    },

    async verifyLedger(_: unknown, args: { from?: string | null; to?: string | null }, ctx: RequestContext) {
      requireRole(ctx.principal, 'verifyLedger', 'AUDITOR');
      const checkedAt = ctx.services.clock.now();
      const { ok, writers } = await verifyLedger(ctx.services.knex, { from: args.from, to: args.to });
      return { ok, writers, checkedAt };
    },
  },

  Exchange: {
    consumer: (record: ChainedRecord, _: unknown, ctx: RequestContext) => departmentOf(ctx.catalog, record.consumerDepartment),
    provider: (record: ChainedRecord, _: unknown, ctx: RequestContext) => departmentOf(ctx.catalog, record.providerDepartment),
    onBehalfOf: (record: ChainedRecord, _: unknown, ctx: RequestContext) =>
      record.onBehalfOf ? departmentOf(ctx.catalog, record.onBehalfOf) : null,
    app: (record: ChainedRecord) => record.consumerApp,
    resource: (record: ChainedRecord) => record.resourceCode,
    writer: (record: ChainedRecord) => record.writerId,
  },
};
