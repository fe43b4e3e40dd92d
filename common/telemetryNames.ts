/**
 * Every name Meridian's telemetry uses: the instrumentation scope, span names,
 * attribute names and metric names, so dashboards and alerts have one list to
 * follow. Attribute values are identifiers (codes, ids, counts), never data
 * values, query text, variables, keys or secrets.
 */

/** Instrumentation scope of Meridian's own tracer and meter. */
export const INSTRUMENTATION_SCOPE = 'meridian';

export const SPAN = Object.freeze({
  /** One GraphQL request over HTTP. */
  request: 'meridian.graphql.request',
  /** One exchange: decision, read, masking and ledger record. */
  exchange: 'meridian.exchange',
  /** One guarded connector fetch (a batch of reads of one source). */
  connectorFetch: 'meridian.connector.fetch',
});

export const ATTR = Object.freeze({
  /** The operation's name as the client gave it (a GraphQL Name; absent for anonymous operations). */
  operationName: 'graphql.operation.name',
  /** query, mutation or subscription. */
  operationType: 'graphql.operation.type',
  requestId: 'meridian.request.id',
  principalDepartment: 'meridian.principal.department',
  /** The id of the API key used, never the key. */
  principalKeyId: 'meridian.principal.key_id',
  /** The department a gateway principal asks for. */
  principalOnBehalfOf: 'meridian.principal.on_behalf_of',
  /** Distinct error codes of a response. */
  errorCodes: 'meridian.error.codes',
  exchangeId: 'meridian.exchange.id',
  /** `query` (a data field) or `lookup` (related rows). */
  exchangeOperation: 'meridian.exchange.operation',
  resource: 'meridian.resource.code',
  provider: 'meridian.provider.department',
  /** The department the data is for (the on-behalf-of department for a gateway principal), as the ledger roll-ups count it. */
  consumer: 'meridian.consumer.department',
  /** OK, DENIED or ERROR (exchanges); OK or ERROR (connector fetches). */
  outcome: 'meridian.outcome',
  errorCode: 'meridian.error.code',
  rows: 'meridian.exchange.rows',
  bytes: 'meridian.exchange.bytes',
  decisionId: 'meridian.decision.id',
  grantId: 'meridian.grant.id',
  connectorId: 'meridian.connector.id',
  connectorKind: 'meridian.connector.kind',
  /** Reads in one connector fetch (more than one when look-ups are batched). */
  connectorRequests: 'meridian.connector.requests',
});

export const METRIC = Object.freeze({
  /** Counter: exchanges, by provider, consumer, resource and outcome. */
  exchanges: 'meridian.exchanges',
  /** Counter: rows delivered (交换量, 条次), by provider, consumer, resource and outcome. */
  exchangeRecords: 'meridian.exchange.records',
  /** Counter: bytes of rows delivered, as the ledger counts them. */
  exchangeBytes: 'meridian.exchange.bytes',
  /** Counter: denied exchanges, by provider, consumer, resource and error code. */
  exchangeDenials: 'meridian.exchange.denials',
  /** Histogram: exchange duration in milliseconds, by provider, consumer, resource and outcome. */
  exchangeDuration: 'meridian.exchange.duration',
  /** Histogram: guarded connector fetch duration in milliseconds, by connector, kind and outcome. */
  connectorFetchDuration: 'meridian.connector.fetch.duration',
});
