/**
 * A TCP relay (tcpRelay.ts) in front of the PostgreSQL server of
 * TEST_DATABASE_URL that counts the statements it forwards: it reads the
 * frontend protocol after the startup packet and records the SQL of every
 * simple query ('Q') and every Parse ('P') of the extended protocol. A source
 * reached through it is counted where statements arrive, whatever driver or
 * pool sends them (pg_stat_statements would need a server restart).
 */
import { startTcpRelay } from './tcpRelay.js';

/** Startup-phase request codes (the int32 after the length) that are not a StartupMessage. */
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

/** A statement as the proxy forwarded it. */
export interface CountedStatement {
  /** 'Q' for a simple query, 'P' for a Parse message. */
  readonly message: 'Q' | 'P';
  readonly sql: string;
}

export interface StatementCounter {
  /** The port the proxy listens on (127.0.0.1). */
  readonly port: number;
  /** The URL of `database` on the target server, through the proxy. */
  url(database: string): string;
  /** Forgets the statements counted so far. */
  reset(): void;
  /** Every statement forwarded since the last reset, in order. */
  statements(): readonly CountedStatement[];
  /** The SQL of statements since the last reset that read `table` (`schema.table` or `table`): SELECTs naming it. */
  readsOf(table: string): string[];
  /** Stops listening and cuts every connection. */
  close(): Promise<void>;
}

/** Starts a counting proxy to the server of `targetUrl` (a postgres:// URL). */
export async function startStatementCounter(targetUrl: string): Promise<StatementCounter> {
  let counted: CountedStatement[] = [];
  const relay = await startTcpRelay(new URL(targetUrl), {
    readClient: (forward, answer) => frontendReader(forward, answer, (statement) => counted.push(statement)),
  });
  return {
    port: relay.port,
    url(database) {
      const through = new URL(targetUrl);
      through.hostname = '127.0.0.1';
      through.port = String(relay.port);
      through.pathname = `/${database}`;
      return through.toString();
    },
    reset() {
      counted = [];
    },
    statements: () => [...counted],
    readsOf(table) {
      const pattern = tablePattern(table);
      return counted.map((statement) => statement.sql).filter((sql) => /^\s*(select|with)\b/i.test(sql) && pattern.test(sql));
    },
    close: () => relay.close(),
  };
}

/**
 * The frontend side of one connection: startup packets first (an SSL or
 * GSSAPI probe is answered 'N' here, as a server without them would; a
 * StartupMessage or CancelRequest is forwarded), then typed messages, each
 * forwarded whole; Q and P messages are reported with their SQL.
 */
function frontendReader(
  forward: (bytes: Buffer) => void,
  answer: (bytes: Buffer) => void,
  report: (statement: CountedStatement) => void,
): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  let phase: 'startup' | 'messages' | 'raw' = 'startup';
  return (chunk) => {
    if (phase === 'raw') return forward(chunk);
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      if (phase === 'startup') {
        if (pending.length < 8) return;
        const length = pending.readInt32BE(0);
        if (pending.length < length) return;
        const code = pending.readInt32BE(4);
        const packet = pending.subarray(0, length);
        pending = pending.subarray(length);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          answer(Buffer.from('N'));
          continue;
        }
        forward(packet);
        if (code === CANCEL_REQUEST) {
          // The server closes a cancel connection: whatever else comes is passed on unread.
          phase = 'raw';
          if (pending.length > 0) forward(pending);
          return;
        }
        phase = 'messages';
        continue;
      }
      if (pending.length < 5) return;
      const size = 1 + pending.readInt32BE(1);
      if (pending.length < size) return;
      const message = pending.subarray(0, size);
      pending = pending.subarray(size);
      const type = String.fromCharCode(message[0]!);
      if (type === 'Q') report({ message: 'Q', sql: cString(message, 5) });
      // Parse: the statement's name, then its SQL.
      else if (type === 'P') report({ message: 'P', sql: cString(message, message.indexOf(0, 5) + 1) });
      forward(message);
    }
  };
}

/** The NUL-terminated UTF-8 string of `bytes` at `offset`. */
function cString(bytes: Buffer, offset: number): string {
  const end = bytes.indexOf(0, offset);
  return bytes.toString('utf8', offset, end < 0 ? bytes.length : end);
}

/** A table name as SQL may write it: each part quoted or not, the parts joined by a dot. */
function tablePattern(table: string): RegExp {
  const parts = table.split('.').map((part) => `"?${part.replace(/[^A-Za-z0-9_]/g, '')}"?`);
  return new RegExp(`(^|[^A-Za-z0-9_])${parts.join('\\s*\\.\\s*')}([^A-Za-z0-9_]|$)`, 'i');
}
