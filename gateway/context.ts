/**
 * Per-request state (principal, the caches as they were when the request
 * began, the exchanges it made) and the gateway-wide services resolvers use.
 * Nothing here is shared across requests except the services.
 */
import type { Knex } from 'knex';
import type { Clock } from '../common/clock.js';
import type { MeridianConfig } from '../common/config.js';
import type { Logger } from '../common/logger.js';
import type { CatalogSnapshot, SourceKinds } from '../catalog/index.js';
import type { Principal } from '../policies/index.js';
import type { LedgerWriter, Outcome } from '../ledger/index.js';
import type { GatewayState } from './state/GatewayState.js';
import type { ConnectorPool } from './state/connectorPool.js';
import type { GrantIndex } from './grants/grantStore.js';
import type { CursorCodec } from './exchange/cursorCodec.js';
import type { RequestLoaders } from './loaders.js';
import type { WorkingCalendar } from '../common/workingDays.js';

/** Gateway-wide services, created once at start. */
export interface GatewayServices {
  readonly config: MeridianConfig;
  readonly knex: Knex;
  readonly state: GatewayState;
  readonly connectors: ConnectorPool;
  readonly connectorKinds: SourceKinds;
  readonly ledger: LedgerWriter;
  readonly cursors: CursorCodec;
  /** Secret of HASH masks. */
  readonly maskSecret: string;
  /** Working days of application deadlines. */
  readonly calendar: WorkingCalendar;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** One exchange of this request, as listed in `extensions.exchanges`. */
export interface ExchangeSummary {
  readonly resource: string;
  readonly exchangeId: string;
  readonly outcome: Outcome;
  readonly rows: number;
}

export interface RequestContext {
  readonly requestId: string;
  readonly receivedAt: Date;
  readonly principal: Principal;
  /** The catalog as it was when the request began. */
  readonly catalog: CatalogSnapshot;
  /** The grants as they were when the request began. */
  readonly grants: GrantIndex;
  readonly services: GatewayServices;
  /** Exchanges made so far, in completion order. */
  readonly exchanges: ExchangeSummary[];
  readonly loaders: RequestLoaders;
  /** Aborted when the client goes away before the answer: sources stop working for it. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
}
