/**
 * A TCP proxy in front of a real server (PostgreSQL, Redis) that a test can
 * break the ways networks break:
 * - `refuse()`: drops every connection and refuses new ones (the server is down);
 * - `blackhole()`: keeps connections open but lets nothing through, and
 *   accepts new ones that never get an answer (a cut cable, a dead firewall);
 * - `restore()`: back to normal; blackholed connections carry on with what
 *   they held, as TCP does after a partition heals.
 */
import net from 'node:net';

export class TcpProxy {
  private server: net.Server | undefined;
  private readonly pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  private mode: 'pass' | 'blackhole' | 'refuse' = 'pass';
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  /** Starts listening (on a free port the first time, the same port after a refuse). */
  async open(): Promise<void> {
    this.mode = 'pass';
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      const pair = { client, upstream };
      this.pairs.add(pair);
      for (const socket of [client, upstream]) {
        socket.on('error', () => socket.destroy());
        socket.on('close', () => {
          this.pairs.delete(pair);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
      if (this.mode === 'blackhole') this.pause(pair);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  /** Drops every connection and refuses new ones. */
  async refuse(): Promise<void> {
    this.mode = 'refuse';
    const closed = new Promise<void>((resolve) => this.server!.close(() => resolve()));
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    await closed;
  }

  /** Lets nothing through, in either direction, on old and new connections. */
  blackhole(): void {
    this.mode = 'blackhole';
    for (const pair of this.pairs) this.pause(pair);
  }

  /** Back to normal after refuse() or blackhole(). */
  async restore(): Promise<void> {
    if (this.mode === 'refuse') return this.open();
    this.mode = 'pass';
    for (const { client, upstream } of this.pairs) {
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
      upstream.resume();
    }
  }

  async close(): Promise<void> {
    if (this.mode !== 'refuse') await this.refuse();
  }

  private pause({ client, upstream }: { client: net.Socket; upstream: net.Socket }): void {
    client.unpipe(upstream);
    upstream.unpipe(client);
    client.pause();
    upstream.pause();
  }
}
