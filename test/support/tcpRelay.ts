/**
 * A TCP relay on 127.0.0.1 to a server (the PostgreSQL server of a test): a
 * test points a source at it to cut the server away and bring it back, to
 * count the connections that reach it, or to read what clients send.
 */
import net from 'node:net';

/** Reads what a client sends: `forward` passes bytes on to the server, `answer` replies to the client itself. */
export type ClientReader = (forward: (bytes: Buffer) => void, answer: (bytes: Buffer) => void) => (chunk: Buffer) => void;

export interface TcpRelayOptions {
  /** The port to listen on (default: a free one), to restart a relay where clients expect it. */
  readonly port?: number;
  /** Reads each connection's client bytes (default: passed on as they come). */
  readonly readClient?: ClientReader;
}

export interface TcpRelay {
  /** The port the relay listens on (127.0.0.1). */
  readonly port: number;
  /** Connections accepted so far, dropped ones included. */
  accepted(): number;
  /** Cuts every open connection, and every new one until pass(): the server seems gone. */
  drop(): void;
  /** Relays new connections again. */
  pass(): void;
  /** Stops listening and cuts every connection. */
  close(): Promise<void>;
}

/** Starts a relay to the host and port of `target` (port 5432 when it names none). */
export async function startTcpRelay(target: URL, options: TcpRelayOptions = {}): Promise<TcpRelay> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  let dropping = false;
  const server = net.createServer((client) => {
    accepted += 1;
    if (dropping) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.pipe(client);
    if (options.readClient) {
      client.on('data', options.readClient((bytes) => upstream.write(bytes), (bytes) => client.write(bytes)));
    } else {
      client.pipe(upstream);
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const cutAll = (): void => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => accepted,
    drop() {
      dropping = true;
      cutAll();
    },
    pass() {
      dropping = false;
    },
    async close() {
      cutAll();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
