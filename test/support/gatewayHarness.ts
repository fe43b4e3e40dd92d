/**
 * A real gateway on 127.0.0.1 (random port) over a test database, and a small
 * GraphQL client that speaks to it over HTTP as a department application would.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { loadConfig, type MeridianConfig } from '../../common/config.js';
import { cliActor } from '../../db/index.js';
import { issueApiKey } from '../../gateway/auth/apiKeys.js';
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

/** Posts a GraphQL request with `key` as bearer, and `extraHeaders` besides (such as x-meridian-on-behalf-of). */
export async function graphql<T = Record<string, unknown>>(
  url: string,
  key: string | null,
  query: string,
  variables: Record<string, unknown> = {},
  extraHeaders: Readonly<Record<string, string>> = {},
): Promise<GraphQLResponse<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...extraHeaders };
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

/** Fails the test, showing the errors, when the response has any. */
export function assertNoErrors(response: GraphQLResponse<unknown>): void {
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
}

/** The one exchange a data query reports in `extensions.exchanges`, failing the test when there is not exactly one. */
export function exchangeOf(response: GraphQLResponse<unknown>): { exchangeId: string; outcome: string; rows: number } {
  const exchanges = (response.extensions?.exchanges ?? []) as { exchangeId: string; outcome: string; rows: number }[];
  assert.equal(exchanges.length, 1, 'one exchange per data query');
  return exchanges[0]!;
}

/** The ledger record of `exchangeId`, failing the test unless there is exactly one. */
export async function ledgerRecord<T>(knex: Knex, exchangeId: string): Promise<T> {
  const rows = (await knex('ledger_records').where({ exchange_id: exchangeId })) as T[];
  assert.equal(rows.length, 1, `exactly one ledger record for ${exchangeId}`);
  return rows[0]!;
}

/** A running demo gateway with one key per demo role, and a way to issue more. */
export interface DemoGateway {
  readonly gateway: Gateway;
  readonly url: string;
  /** The demo key of each role. */
  readonly keys: Readonly<Record<string, string>>;
  /** Issues a key for `department` with `roles` (as a catalog admin would). */
  issueKey(department: string, roles: string[], label?: string): Promise<string>;
  /** Closes the gateway and removes its temporary data folder. */
  close(): Promise<void>;
}

/**
 * Starts a gateway on the test database with the demo loaded (keys file in a
 * temporary folder); `clock`, when given, is the gateway's time, demo grants included.
 */
export async function startDemoGateway(
  testDb: TestDatabase,
  overrides: Record<string, unknown> = {},
  clock?: Clock,
): Promise<DemoGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'meridian-demo-'));
  const gateway = await startTestGateway(testDb, { demo: true, dataDir, ...overrides }, clock);
  const keys: Record<string, string> = {};
  for (const key of gateway.demoKeys) keys[key.role] = key.key;
  return {
    gateway,
    url: gateway.url,
    keys,
    async issueKey(department, roles, label = 'test application') {
      const issued = await issueApiKey(gateway.services.knex, { department, roles, label }, cliActor, { now: gateway.services.clock.now() });
      await gateway.services.state.refresh('keys');
      return issued.key;
    },
    async close() {
      await gateway.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
