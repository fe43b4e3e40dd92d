/**
 * A scripted upstream on 127.0.0.1 (node:http): it answers each POST with the
 * next scripted reply and records what it received, so tests can see the
 * connector's headers and variables, and how it handles failing, slow and
 * malformed upstreams that a real gateway never produces on demand.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted reply: a status and a body (an object is sent as JSON), optionally after a delay. */
export interface StubReply {
  readonly status: number;
  readonly body: unknown;
  readonly delayMs?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What the stub received. */
export interface StubRequest {
  readonly headers: IncomingHttpHeaders;
  readonly body: { query?: string; variables?: Record<string, unknown> };
}

export interface UpstreamStub {
  readonly url: string;
  /** `host:port`, as an allow-list entry names it. */
  readonly hostPort: string;
  readonly received: StubRequest[];
  /** Replaces the script: replies in order, the last one repeated. */
  script(...replies: StubReply[]): void;
  close(): Promise<void>;
}

/** Starts a stub upstream on a free port of 127.0.0.1. */
export async function startUpstreamStub(): Promise<UpstreamStub> {
  let replies: StubReply[] = [{ status: 200, body: { data: null } }];
  const received: StubRequest[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(text || '{}') as StubRequest['body'] });
      const reply = replies.length > 1 ? replies.shift()! : replies[0]!;
      const send = (): void => {
        const payload = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(payload);
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs).unref();
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    hostPort: `127.0.0.1:${port}`,
    received,
    script(...next) {
      replies = next;
      received.length = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
