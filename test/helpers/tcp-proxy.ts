import net from 'node:net';

/**
 * A TCP proxy a test owns, to make a shared server (PostgreSQL, Redis) unreachable for one
 * client and then reachable again, or to make it stop answering on open connections (`stall`),
 * without touching the server itself.
 */
export class TcpProxy {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  /** Server-to-client streams: cut while stalled, so requests arrive but no answer returns. */
  private readonly answers = new Map<net.Socket, net.Socket>();
  private stalled = false;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Starts listening (on the same port as before after a `stop`). */
  async start(): Promise<number> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream);
      this.answers.set(upstream, client);
      if (this.stalled) upstream.pause();
      else upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => {
        this.answers.delete(upstream);
        client.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as net.AddressInfo).port;
    return this.port;
  }

  /** Keeps every connection open (and accepts new ones) but holds back the server's answers. */
  stall(): void {
    this.stalled = true;
    for (const upstream of this.answers.keys()) {
      upstream.unpipe();
      upstream.pause();
    }
  }

  /** Delivers the held answers and forwards again. */
  resume(): void {
    this.stalled = false;
    for (const [upstream, client] of this.answers) upstream.pipe(client);
  }

  /** Cuts every connection and stops accepting new ones. */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
