/**
 * One exchange as the ledger records it (after X-Road's operational
 * monitoring and OPA's decision log), and its place in a writer's hash chain.
 */

export type Outcome = 'OK' | 'DENIED' | 'ERROR';

export interface ExchangeRecord {
  readonly exchangeId: string;
  readonly requestId: string;
  readonly traceId: string | null;
  /** Request in, ISO 8601 with milliseconds. */
  readonly at: string;
  /** Response out. */
  readonly finishedAt: string;
  readonly consumerDepartment: string;
  /** The consumer application: its key id. */
  readonly consumerApp: string;
  /** For gateway principals, the department the upstream asks for. */
  readonly onBehalfOf: string | null;
  readonly providerDepartment: string;
  readonly resourceCode: string;
  readonly resourceVersion: number;
  /** `query` for a data field, `lookup` for a related-resource fetch. */
  readonly operation: string;
  /** Items requested (selected, filtered, ordered). */
  readonly items: readonly string[];
  /** Items returned (empty unless OK). */
  readonly returnedItems: readonly string[];
  /** Items returned masked. */
  readonly maskedItems: readonly string[];
  readonly rows: number;
  /** Size of the returned rows as JSON, in bytes. */
  readonly bytes: number;
  readonly durationMs: number;
  readonly outcome: Outcome;
  readonly errorCode: string | null;
  readonly decisionId: string;
  readonly grantId: string | null;
}

/** A record with its link in its writer's chain. */
export interface ChainedRecord extends ExchangeRecord {
  readonly writerId: string;
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}
