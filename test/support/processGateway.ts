/**
 * A gateway running as its own process (`npm start` or the CLI's `serve`):
 * started, recognised by the banner it prints, and spoken to over HTTP on a
 * new connection per request, so a refused connection is seen as refused.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { ROLES, type Role } from '../../catalog/index.js';
import { startProcess, type RunningProcess } from './processRunner.js';

/** What the start-up banner tells a newcomer. */
export interface GatewayBanner {
  readonly url: string;
  readonly healthUrl: string;
  /** The demo key printed for each role (none when no demo keys are shown). */
  readonly keys: Readonly<Partial<Record<Role, string>>>;
}

/** A gateway process whose banner has been printed. */
export interface GatewayProcess {
  readonly process: RunningProcess;
  readonly banner: GatewayBanner;
}

/** The banner: from its title to the blank line that ends it (it is written in one piece). */
const BANNER = /\nMeridian gateway ready\n((?:.+\n)+)\n/;

/** Reads the banner out of the gateway's stdout; throws when there is none. */
export function parseBanner(stdout: string): GatewayBanner {
  const match = stdout.match(BANNER);
  if (!match) throw new Error(`no banner in:\n${stdout}`);
  const lines = match[1]!.split('\n');
  const field = (name: string): string => {
    const line = lines.find((candidate) => candidate.trimStart().startsWith(`${name}:`));
    if (!line) throw new Error(`banner has no ${name}:\n${match[0]}`);
    return line.slice(line.indexOf(':') + 1).trim();
  };
  const keys: Partial<Record<Role, string>> = {};
  for (const line of lines) {
    const words = line.trim().split(/\s+/);
    const role = words[0] as Role;
    // A key line: the role, the holding department, the key last.
    if (words.length >= 3 && (ROLES as readonly string[]).includes(role)) keys[role] = words[words.length - 1]!;
  }
  return { url: field('GraphQL'), healthUrl: field('Health'), keys };
}

/**
 * Starts a gateway process (`command args` in the repository root) and waits
 * for its banner. The caller kills it in an `after` hook (`process.kill()`).
 */
export async function startGatewayProcess(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  readyTimeoutMs: number,
): Promise<GatewayProcess> {
  const running = startProcess(command, args, { env });
  try {
    await running.waitForStdout(BANNER, readyTimeoutMs);
  } catch (error) {
    await running.kill();
    throw error;
  }
  return { process: running, banner: parseBanner(running.stdout()) };
}

/** An HTTP answer with its JSON body (null when the body is not JSON). */
export interface HttpAnswer {
  readonly status: number;
  readonly body: Record<string, unknown> | null;
  /** When the last byte arrived (performance.now()). */
  readonly at: number;
}

/** A request that got no HTTP answer: the error code, e.g. ECONNREFUSED or ECONNRESET. */
export class NoAnswer extends Error {
  constructor(readonly code: string) {
    super(`no answer: ${code}`);
  }
}

/** Sends one request on a new connection (no keep-alive pool); rejects with NoAnswer when there is no answer. */
export function httpOnNewConnection(
  url: string,
  init: { readonly method: 'GET' | 'POST'; readonly headers?: Record<string, string>; readonly body?: string },
): Promise<HttpAnswer> {
  return new Promise((resolveAnswer, reject) => {
    const req = request(url, { method: init.method, headers: init.headers ?? {}, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        let body: Record<string, unknown> | null = null;
        try {
          body = JSON.parse(text) as Record<string, unknown>;
        } catch {
          body = null;
        }
        resolveAnswer({ status: res.statusCode ?? 0, body, at: performance.now() });
      });
      res.on('error', (error: NodeJS.ErrnoException) => reject(new NoAnswer(error.code ?? error.message)));
    });
    req.on('error', (error: NodeJS.ErrnoException) => reject(new NoAnswer(error.code ?? error.message)));
    req.end(init.body);
  });
}

/** Posts a GraphQL query with `key` as bearer, on a new connection. */
export function postGraphQL(url: string, key: string, query: string, variables: Record<string, unknown> = {}): Promise<HttpAnswer> {
  return httpOnNewConnection(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
}

/** The JSON body of a GraphQL answer. */
export interface GraphQLAnswer<T> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
  extensions?: { exchanges?: { resource: string; exchangeId: string; outcome: string; rows: number }[] };
}

/** Posts a GraphQL query on a new connection and returns its body, failing the test when it is not JSON. */
export async function askGraphQL<T = Record<string, unknown>>(
  url: string,
  key: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLAnswer<T>> {
  const answer = await postGraphQL(url, key, query, variables);
  assert.ok(answer.body, `a JSON answer (HTTP ${answer.status})`);
  return answer.body as GraphQLAnswer<T>;
}

/** The data of `answer`, failing the test (saying `what` was asked) when it carries errors. */
export async function dataOf<T>(answer: Promise<GraphQLAnswer<T>>, what: string): Promise<T> {
  const body = await answer;
  assert.equal(body.errors, undefined, `${what}: ${JSON.stringify(body.errors)}`);
  return body.data!;
}

/** True when nothing listens on `port` of 127.0.0.1 any more (the connection is refused). */
export async function portRefuses(port: number): Promise<boolean> {
  try {
    await httpOnNewConnection(`http://127.0.0.1:${port}/health/live`, { method: 'GET' });
    return false;
  } catch (error) {
    return error instanceof NoAnswer && error.code === 'ECONNREFUSED';
  }
}
