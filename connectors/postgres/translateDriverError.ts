/**
 * Driver and pool errors, translated at the connector edge into catalog
 * errors. A driver's message never reaches a client; what the log may keep of
 * it is chosen here, without bound values.
 */
import { meridianError, type MeridianError } from '../../common/errors.js';

/** What a failed read says about the source. */
export type SourceFailure = 'CONNECTOR_TIMEOUT' | 'CONNECTOR_UNAVAILABLE' | 'CONNECTOR_BAD_RESPONSE';

/** Facts of the failed read that the client may see. */
export interface FailedRead {
  readonly resource: string;
  readonly timeoutMs: number;
  /** Where the read failed: the bound table, or the part of the binding at fault. */
  readonly path: string;
}

interface DriverErrorShape {
  readonly code?: unknown;
  readonly severity?: unknown;
  readonly name?: unknown;
  readonly message?: unknown;
  readonly routine?: unknown;
}

// Messages of pg and the pool that report a lost or unobtainable connection; they carry no SQLSTATE.
const CONNECTION_MESSAGES = /Connection terminated|timeout expired|not queryable|Unable to acquire a connection|PGlite is closed/i;

// SQLSTATE classes whose messages name objects and conditions, never row or parameter values.
const VALUE_FREE_CLASSES = new Set(['08', '25', '28', '3D', '3F', '42', '53', '57', '58']);

/** Classifies a driver or pool error; null when `error` did not come from the driver (a bug: let it surface). */
export function classifyDriverError(error: unknown): SourceFailure | null {
  const shape = asShape(error);
  if (!shape) return null;
  const sqlstate = sqlstateOf(shape);
  if (sqlstate !== null) {
    if (sqlstate === '57014') return 'CONNECTOR_TIMEOUT';
    // connection exception, invalid authorization, unknown database, insufficient resources,
    // operator intervention (shutdown, cannot connect now), system error.
    if (/^(08|28|3D|53|57|58)/.test(sqlstate)) return 'CONNECTOR_UNAVAILABLE';
    return 'CONNECTOR_BAD_RESPONSE';
  }
  if (typeof shape.code === 'string' && /^E[A-Z]+$/.test(shape.code)) return 'CONNECTOR_UNAVAILABLE';
  if (shape.name === 'KnexTimeoutError') return 'CONNECTOR_UNAVAILABLE';
  if (typeof shape.message === 'string' && CONNECTION_MESSAGES.test(shape.message)) return 'CONNECTOR_UNAVAILABLE';
  return null;
}

/** The catalog error for a classified failure. */
export function failureError(failure: SourceFailure, read: FailedRead): MeridianError {
  return meridianError(failure, { resource: read.resource, timeoutMs: read.timeoutMs, path: read.path });
}

/**
 * What the connector log keeps of a driver error: SQLSTATE or errno, the
 * server routine, and the message only where it cannot hold a bound value.
 */
export function driverErrorFacts(error: unknown): Record<string, unknown> {
  const shape = asShape(error);
  if (!shape) return {};
  const sqlstate = sqlstateOf(shape);
  const facts: Record<string, unknown> = {};
  if (sqlstate !== null) facts.sqlstate = sqlstate;
  else if (typeof shape.code === 'string') facts.errno = shape.code;
  if (typeof shape.routine === 'string') facts.routine = shape.routine;
  if (typeof shape.name === 'string') facts.errorName = shape.name;
  if (typeof shape.message === 'string' && (sqlstate === null || VALUE_FREE_CLASSES.has(sqlstate.slice(0, 2)))) {
    facts.driverMessage = driverMessage(shape.message);
  }
  return facts;
}

/** A short, secret-free summary for a connector's status message. */
export function failureSummary(error: unknown): string {
  const shape = asShape(error);
  const sqlstate = shape ? sqlstateOf(shape) : null;
  if (sqlstate !== null) return `SQLSTATE ${sqlstate}`;
  if (shape && typeof shape.code === 'string' && /^E[A-Z]+$/.test(shape.code)) return shape.code;
  if (shape?.name === 'KnexTimeoutError') return 'no connection within the acquire timeout';
  return 'connection lost';
}

/**
 * knex prefixes a failed query's message with its SQL and " - " (the SQL is
 * logged on its own): what follows the last " - " is the driver's own text.
 */
function driverMessage(message: string): string {
  const cut = message.lastIndexOf(' - ');
  return cut < 0 ? message : message.slice(cut + 3);
}

function sqlstateOf(shape: DriverErrorShape): string | null {
  // pg and PGlite server errors carry a severity; errno codes (EPIPE) can look like a SQLSTATE.
  return typeof shape.severity === 'string' && typeof shape.code === 'string' && /^[0-9A-Z]{5}$/.test(shape.code)
    ? shape.code
    : null;
}

function asShape(error: unknown): DriverErrorShape | null {
  return error !== null && typeof error === 'object' ? (error as DriverErrorShape) : null;
}
