/**
 * A real gateway on 127.0.0.1 (random port) over a test database, and a small
 * GraphQL client that speaks to it over HTTP as a department application would.
 */
import { loadConfig, type MeridianConfig } from '../../common/config.js';
import { silentLogger } from '../../common/logger.js';
import type { Clock } from '../../common/clock.js';
import { startGateway, type Gateway } from '../../gateway/createGateway.js';
import type { TestDatabase } from './databases.js';

/** A GraphQL response as the client receives it. */
export interface GraphQLResponse<T = Record<string, unknown>> {
  readonly status: number;
  readonly data?: T | null;
  readonly errors?: readonly { message: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> }[];
  readonly extensions?: Record<string, unknown>;
}

/** Starts a gateway on the test database; demo off unless asked for. */
export async function startTestGateway(
  testDb: TestDatabase,
  overrides: Record<string, unknown> = {},
  clock?: Clock,
): Promise<Gateway> {
  const config: MeridianConfig = loadConfig({}, { port: 0, host: '127.0.0.1', demo: false, logLevel: 'silent', ...overrides });
  return startGateway({ config, logger: silentLogger(), database: testDb.db, ...(clock ? { clock } : {}) });
}

/** Posts a GraphQL request with `key` as bearer. */
export async function graphql<T = Record<string, unknown>>(
  url: string,
  key: string | null,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLResponse<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as Omit<GraphQLResponse<T>, 'status'>;
  return { status: response.status, ...body };
}

/** The single error of a response, failing the test when there is not exactly one. */
export function onlyError(response: GraphQLResponse): { message: string; extensions: Record<string, unknown> } {
  if (!response.errors || response.errors.length !== 1) {
    throw new Error(`expected one error, got ${JSON.stringify(response.errors)}`);
  }
  const [error] = response.errors;
  return { message: error!.message, extensions: error!.extensions ?? {} };
}
