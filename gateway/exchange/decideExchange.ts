/**
 * The decision of one exchange, with admission under its grant. decide() is
 * pure and reads the grants cached in memory; when it picks a grant, one round
 * trip to the shared counters re-reads that grant (revoked or ended through
 * another instance?) and takes a call and rows from its quotas, and decide()
 * then judges again with the fresh grant and the usage as inputs.
 */
import type { Knex } from 'knex';
import type { ResourceDefinition } from '../../catalog/index.js';
import { decide, isActiveGrant, type Decision, type Grant, type ItemUse, type Principal } from '../../policies/index.js';
import { admitExchange, quotaWindows, type QuotaWindows } from '../grants/quotaStore.js';

/** Rows taken from a grant's daily quota for this exchange, to give back what is not delivered. */
export interface RowReservation {
  readonly grantId: string;
  readonly windows: QuotaWindows;
  readonly rows: number;
}

export interface ExchangeDecision {
  readonly decision: Decision;
  /** How many rows the exchange may return (the page size, or less when the daily quota is nearly used). */
  readonly rowLimit: number;
  /** Reserved quota rows, when the grant has a row quota. */
  readonly reservation: RowReservation | null;
}

export interface DecideExchangeInput {
  readonly decisionId: string;
  readonly principal: Principal;
  readonly resource: ResourceDefinition;
  readonly use: ItemUse;
  readonly grants: readonly Grant[];
  readonly now: Date;
  /** Rows the consumer asked for. */
  readonly wantRows: number;
  readonly timeZone: string;
}

/** A grant revoked meanwhile drops out and decide() may choose another; this bounds how often. */
const MAX_ADMISSION_ATTEMPTS = 3;

/** Decides an exchange and, under a grant, admits it against the shared quota counters. */
export async function decideExchange(knex: Knex, input: DecideExchangeInput): Promise<ExchangeDecision> {
  const { wantRows, now } = input;
  let grants = input.grants;
  const judge = (usage: Parameters<typeof decide>[0]['quotaUsage']): Decision =>
    decide({ decisionId: input.decisionId, principal: input.principal, resource: input.resource, use: input.use, grants, now, quotaUsage: usage });

  for (let attempt = 0; attempt < MAX_ADMISSION_ATTEMPTS; attempt++) {
    const cached = judge(null);
    if (cached.effect === 'deny' || cached.obligations.grantId === null) {
      return { decision: cached, rowLimit: wantRows, reservation: null };
    }
    const chosen = grants.find((grant) => grant.id === cached.obligations.grantId)!;
    const windows = quotaWindows(now, input.timeZone);
    const admission = await admitExchange(knex, chosen, wantRows, windows, now);
    grants = grants.map((grant) => (grant.id === chosen.id ? admission.grant : grant));
    if (!isActiveGrant(admission.grant, now)) continue;

    const decision = judge(admission.usage);
    // decide() and the counters apply the same limits to the same usage, so they agree;
    // if they ever did not, the exchange is refused rather than served unaccounted.
    if (decision.effect === 'allow' && !admission.admitted) {
      throw new Error(`grant ${chosen.id} was not admitted although decide() allowed the exchange`);
    }
    const reservation =
      admission.admitted && chosen.maxRowsPerDay !== null ? { grantId: chosen.id, windows, rows: admission.reservedRows } : null;
    return { decision, rowLimit: reservation ? Math.min(wantRows, reservation.rows) : wantRows, reservation };
  }
  return { decision: judge(null), rowLimit: wantRows, reservation: null };
}
