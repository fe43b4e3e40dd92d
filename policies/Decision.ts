/**
 * Decisions are values: allow with obligations, or deny with a code and a
 * reason. Both carry the decisionId the ledger records.
 */
import type { ErrorCode } from '../common/errors.js';
import type { MaskRule, ResourceDefinition, Role } from '../catalog/model.js';

/** Who asks: one department application holding one or more roles. */
export interface Principal {
  readonly keyId: string;
  readonly label: string;
  readonly department: string;
  readonly roles: readonly Role[];
  /** For GATEWAY principals: the department on whose behalf the upstream gateway asks. */
  readonly onBehalfOf?: string | null;
}

/** A grant of a consumer department for one resource (an approved application). */
export interface Grant {
  readonly id: string;
  readonly resourceCode: string;
  readonly consumerDepartment: string;
  /** Items the grant releases. */
  readonly items: readonly string[];
  /** Row scope: the data plane's `where` shape, on filterable items; null for all rows. */
  readonly rowScope: Readonly<Record<string, unknown>> | null;
  /** Items released without their default mask. */
  readonly clearItems: readonly string[];
  readonly maxRowsPerDay: number | null;
  readonly maxCallsPerMinute: number | null;
  readonly validFrom: Date;
  readonly validUntil: Date | null;
  readonly revokedAt: Date | null;
}

/** How the consumer uses items besides reading them: filters and ordering. */
export interface ItemUse {
  /** Items the consumer selects. */
  readonly selected: readonly string[];
  /** Operators the consumer's `where` applies, per item. */
  readonly filtered: Readonly<Record<string, readonly string[]>>;
  /** Items the consumer orders by. */
  readonly ordered: readonly string[];
}

/**
 * How much of a grant's quotas was used before this exchange, as the shared
 * counters said when the exchange asked to be admitted, and when each window
 * ends. decide() reads no counter itself: the usage is an input.
 */
export interface QuotaUsage {
  readonly grantId: string;
  readonly callsThisMinute: number;
  readonly rowsToday: number;
  /** When the calls window resets (the next minute). */
  readonly minuteEndsAt: Date;
  /** When the rows window resets (the next local midnight). */
  readonly dayEndsAt: Date;
}

export interface DecisionInput {
  /** Chosen by the caller, so that decide() stays pure. */
  readonly decisionId: string;
  readonly principal: Principal;
  readonly resource: ResourceDefinition;
  readonly use: ItemUse;
  /** The consumer department's grants for this resource (any state; decide() checks validity). */
  readonly grants: readonly Grant[];
  readonly now: Date;
  /** Usage of the chosen grant's quotas; absent when not yet known (no quota is then checked). */
  readonly quotaUsage?: QuotaUsage | null;
}

/** What the gateway must do when it serves an allowed exchange. */
export interface Obligations {
  /** Items to read and return (selected, filtered and ordered ones). */
  readonly items: readonly string[];
  /** Mask per returned item that is not released in clear (items absent here are clear). */
  readonly masks: Readonly<Record<string, MaskRule>>;
  /** The grant's row scope, to AND with the consumer's conditions; null for none. */
  readonly rowScope: Readonly<Record<string, unknown>> | null;
  readonly grantId: string | null;
  readonly quota: { readonly maxRowsPerDay: number | null; readonly maxCallsPerMinute: number | null } | null;
}

export type Decision =
  | {
      readonly effect: 'allow';
      readonly decisionId: string;
      readonly reason: string;
      readonly obligations: Obligations;
    }
  | {
      readonly effect: 'deny';
      readonly decisionId: string;
      readonly code: ErrorCode;
      readonly reason: string;
      /** What the consumer can do, when something can. */
      readonly action: string | null;
      /** Message parameters for the error catalog (resource, items, basis, ...). */
      readonly params: Readonly<Record<string, unknown>>;
      /** Facts for the client beyond the message, e.g. retryAfter of QUOTA_EXCEEDED. */
      readonly extensions?: Readonly<Record<string, unknown>>;
    };
