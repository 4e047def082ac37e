import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

/** When `cutAt` cuts the connection that carries the matching message. */
export type CutMoment =
  /** The message is not forwarded: the server never sees it. */
  | 'before-forwarding'
  /** The message is forwarded and the server answers, but the answer never reaches the client. */
  | 'after-reply';

interface Link {
  client: Socket;
  server: Socket;
  /** Set once a forwarded message is to be answered by a cut instead of its reply. */
  cutOnReply?: () => void;
}

interface PendingCut {
  match: (message: Buffer) => boolean;
  when: CutMoment;
  /** The server dies at that moment: every connection is cut and new ones are refused. */
  dies: boolean;
  done: () => void;
}

/**
 * A TCP proxy between a client and a server, for tests that take a dependency away at a chosen
 * moment: `cut` ends every live connection mid-stream, `refuse` stops accepting new ones (the
 * port then refuses connections, as when the process is gone) and `accept` takes them again.
 *
 * With `wire: 'mongodb'` it reads the client's bytes as MongoDB wire messages (each begins with its
 * int32 length), so `cutAt` can cut the connection that carries one particular command, before
 * the server sees it or after it answered, deterministically.
 */
export class TcpProxy {
  readonly port: number;
  private readonly target: { host: string; port: number };
  private readonly wire: 'raw' | 'mongodb';
  private server: Server | undefined;
  private readonly links = new Set<Link>();
  private readonly cuts: PendingCut[] = [];

  private constructor(
    port: number,
    server: Server,
    target: { host: string; port: number },
    wire: 'raw' | 'mongodb',
  ) {
    this.port = port;
    this.server = server;
    this.target = target;
    this.wire = wire;
    server.on('connection', (socket) => this.link(socket));
  }

  static async start(options: {
    targetPort: number;
    targetHost?: string;
    wire?: 'raw' | 'mongodb';
  }): Promise<TcpProxy> {
    const server = createServer();
    await listen(server, 0);
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return new TcpProxy(
      port,
      server,
      { host: options.targetHost ?? '127.0.0.1', port: options.targetPort },
      options.wire ?? 'raw',
    );
  }

  /** Live connections through the proxy. */
  get connections(): number {
    return this.links.size;
  }

  /** Ends every live connection at once, in both directions. */
  cut(): void {
    for (const link of [...this.links]) this.drop(link);
  }

  /** New connections are refused (nothing listens on the port); live ones are left alone. */
  async refuse(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // close() waits for live connections to end; the port is released at once.
      setImmediate(resolve);
    });
  }

  /** New connections are taken again, on the same port. */
  async accept(): Promise<void> {
    if (this.server) return;
    const server = createServer();
    server.on('connection', (socket) => this.link(socket));
    await listen(server, this.port);
    this.server = server;
  }

  /** As if the server died: new connections refused, live ones cut. */
  async down(): Promise<void> {
    await this.refuse();
    this.cut();
  }

  /** As if the server came back. */
  up(): Promise<void> {
    return this.accept();
  }

  /**
   * Cuts the connection carrying the first client message that `match` accepts (MongoDB wire
   * only), at the given moment; resolves once it is cut. Other connections carry on, unless
   * `dies`: then the server dies at that moment (every connection cut, new ones refused until
   * `accept`).
   */
  cutAt(
    match: (message: Buffer) => boolean,
    when: CutMoment,
    options: { dies?: boolean } = {},
  ): Promise<void> {
    if (this.wire !== 'mongodb')
      throw new Error('cutAt reads MongoDB wire messages: start with wire mongodb');
    return new Promise((resolve) =>
      this.cuts.push({ match, when, dies: options.dies ?? false, done: resolve }),
    );
  }

  async close(): Promise<void> {
    await this.refuse();
    this.cut();
  }

  private link(client: Socket): void {
    const server = tcpConnect(this.target.port, this.target.host);
    const link: Link = { client, server };
    this.links.add(link);
    const end = () => this.drop(link);
    client.on('error', end).on('close', end);
    server.on('error', end).on('close', end);
    server.on('data', (chunk: Buffer) => {
      if (link.cutOnReply) return link.cutOnReply();
      client.write(chunk);
    });
    if (this.wire === 'raw') {
      client.on('data', (chunk: Buffer) => server.write(chunk));
      return;
    }
    let buffered: Buffer = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4 && buffered.length >= buffered.readInt32LE(0)) {
        const length = buffered.readInt32LE(0);
        const message = buffered.subarray(0, length);
        buffered = buffered.subarray(length);
        if (!this.forward(link, message)) return;
      }
    });
  }

  /** Forwards one whole message, unless a pending cut takes it; false once the link is cut. */
  private forward(link: Link, message: Buffer): boolean {
    const index = this.cuts.findIndex((c) => c.match(message));
    if (index < 0) {
      link.server.write(message);
      return true;
    }
    const [cut] = this.cuts.splice(index, 1);
    const end = () => {
      if (cut!.dies) {
        void this.refuse();
        this.cut();
      } else this.drop(link);
      cut!.done();
    };
    if (cut!.when === 'before-forwarding') {
      end();
      return false;
    }
    link.cutOnReply = end;
    link.server.write(message);
    return true;
  }

  /** Ends both sides with a reset, as the kernel does for a process that dies with data unread. */
  private drop(link: Link): void {
    if (!this.links.delete(link)) return;
    link.client.resetAndDestroy();
    link.server.resetAndDestroy();
  }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * The command a MongoDB wire message (OP_MSG) carries and the collection it names, e.g.
 * `{ command: 'insert', collection: 'outbox' }`; undefined for other messages.
 */
export function mongoCommandOf(message: Buffer): { command: string; collection?: string } | undefined {
  const OP_MSG = 2013;
  if (message.length < 21 || message.readInt32LE(12) !== OP_MSG) return undefined;
  let offset = 20; // the 16-byte header, then 4 bytes of flags
  while (offset < message.length) {
    const kind = message[offset]!;
    offset++;
    if (kind === 1) {
      offset += message.readInt32LE(offset); // a document sequence: skipped
      continue;
    }
    if (kind !== 0) return undefined;
    // The command document: its first element names the command.
    const type = message[offset + 4]!;
    const keyEnd = message.indexOf(0, offset + 5);
    const command = message.toString('utf8', offset + 5, keyEnd);
    if (type !== 0x02) return { command };
    const length = message.readInt32LE(keyEnd + 1);
    return { command, collection: message.toString('utf8', keyEnd + 5, keyEnd + 5 + length - 1) };
  }
  return undefined;
}

/** A `cutAt` match: the message runs `command` on `collection` and, if given, holds `marker`. */
export function mongoCommand(command: string, collection: string, marker?: string) {
  const bytes = marker === undefined ? undefined : Buffer.from(marker);
  return (message: Buffer): boolean => {
    const found = mongoCommandOf(message);
    return (
      found?.command === command &&
      found.collection === collection &&
      (bytes === undefined || message.includes(bytes))
    );
  };
}
