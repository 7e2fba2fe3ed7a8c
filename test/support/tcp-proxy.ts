import { connect, createServer, type Server, type Socket } from "node:net";
import { freePort } from "./free-port.js";

/**
 * A TCP proxy on a free loopback port in front of `127.0.0.1:<targetPort>`. `hang()` makes Redis
 * look hung from the client's side: connections stay open and new ones are still accepted, but no
 * byte moves in either direction (like a stalled network path; TCP keeps what was sent), until
 * `resume()` delivers it all in order.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private hanging = false;
  private latencyMs = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    const port = await freePort();
    const server = createServer();
    const proxy = new TcpProxy(server, port);
    server.on("connection", (client) => proxy.forward(client, connect(targetPort, "127.0.0.1")));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", resolve);
    });
    return proxy;
  }

  /** Stops forwarding (connections stay open and are still accepted; nothing is answered). */
  hang(): void {
    this.hanging = true;
    for (const socket of this.sockets) socket.pause();
  }

  /** Forwards again, first everything held back while hanging. */
  resume(): void {
    this.hanging = false;
    for (const socket of this.sockets) socket.resume();
  }

  /**
   * Delays every chunk by `ms` in each direction from now on (a slow network path or a busy
   * server, as the client sees it). Set it while no traffic flows: chunks are not reordered
   * within one setting.
   */
  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  /**
   * The target goes away: open connections are reset and new ones are refused (ECONNREFUSED, as
   * while a database restarts), until `accept()`.
   */
  async refuse(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Accepts connections again on the same port, after `refuse()`. */
  async accept(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.port, "127.0.0.1", () => {
        this.server.off("error", reject);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private forward(client: Socket, upstream: Socket): void {
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(from);
      if (this.hanging) from.pause();
      from.on("data", (chunk) => {
        if (this.latencyMs > 0) setTimeout(() => to.write(chunk), this.latencyMs);
        else to.write(chunk);
      });
      from.on("close", () => {
        this.sockets.delete(from);
        to.destroy();
      });
      from.on("error", () => to.destroy());
    }
  }
}
