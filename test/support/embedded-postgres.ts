import { createServer, type Server, type Socket } from "node:net";
import { PGlite } from "@electric-sql/pglite";

/**
 * PostgreSQL for machines without a server: PGlite (PostgreSQL compiled to WebAssembly, in this
 * process) behind a loopback TCP port that speaks the wire protocol, so `pg` clients in any process
 * (the tests, their child processes) connect to it with an ordinary `DATABASE_URL`.
 *
 * PGlite has one session. Connections take turns on it: a connection holds the session from a
 * request (up to its Sync or simple Query) until PostgreSQL is idle again, so a transaction is
 * never interleaved with another connection's statements. Each connection's `search_path` (from
 * its startup options or its own `SET`) is put back when its turn comes, as the shop's
 * throwaway schemas need. Other session settings are shared.
 */
export interface EmbeddedPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(): Promise<EmbeddedPostgres> {
  const db = await PGlite.create();
  const session = new SessionTurns(db);
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    new Connection(socket, session);
  });
  await listen(server);
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.close();
    },
  };
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
}

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const DEFAULT_SEARCH_PATH = '"$user", public';

/** Whose turn it is on PGlite's one session, and what `search_path` the session has now. */
class SessionTurns {
  private holder: Connection | undefined;
  private readonly waiting: (() => void)[] = [];
  private searchPath = DEFAULT_SEARCH_PATH;

  constructor(readonly db: PGlite) {}

  async take(connection: Connection): Promise<void> {
    while (this.holder !== undefined && this.holder !== connection) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.holder = connection;
    if (connection.searchPath !== this.searchPath) {
      await this.db.exec(`SET search_path TO ${connection.searchPath}`);
      this.searchPath = connection.searchPath;
    }
  }

  release(connection: Connection): void {
    if (this.holder !== connection) return;
    this.holder = undefined;
    for (const wake of this.waiting.splice(0)) wake();
  }

  /** After a connection changed its `search_path` itself. */
  async readSearchPath(): Promise<string> {
    const { rows } = await this.db.query<{ path: string }>("SELECT current_setting('search_path') AS path");
    this.searchPath = rows[0]?.path ?? DEFAULT_SEARCH_PATH;
    return this.searchPath;
  }

  /** A connection that left mid-transaction: roll it back, so the next one starts clean. */
  async abandon(connection: Connection): Promise<void> {
    if (this.holder !== connection) return;
    await this.db.exec("ROLLBACK").catch(() => undefined);
    this.release(connection);
  }
}

/** One client connection: the startup handshake here, every later message relayed to PGlite. */
class Connection {
  searchPath = DEFAULT_SEARCH_PATH;
  private buffer = Buffer.alloc(0);
  private started = false;
  private queue = Promise.resolve();
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly session: SessionTurns,
  ) {
    socket.on("data", (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.queue = this.queue
        .then(() => this.drain())
        .catch(() => {
          socket.destroy();
        });
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      this.closed = true;
      this.queue = this.queue.then(() => this.session.abandon(this));
    });
  }

  private async drain(): Promise<void> {
    if (!this.started) {
      if (this.buffer.length < 8) return;
      const length = this.buffer.readInt32BE(0);
      if (this.buffer.length < length) return;
      const code = this.buffer.readInt32BE(4);
      const payload = this.buffer.subarray(8, length);
      this.buffer = this.buffer.subarray(length);
      if (code === SSL_REQUEST || code === GSS_REQUEST) this.socket.write("N");
      else if (code === CANCEL_REQUEST) this.socket.end();
      else this.startup(payload);
      return this.drain();
    }
    const request = this.nextRequest();
    if (request === undefined) return;
    if (request.terminates) {
      this.socket.end();
      return;
    }
    await this.session.take(this);
    try {
      const reply = await this.session.db.execProtocolRaw(request.bytes);
      if (/search_path/i.test(request.bytes.toString("latin1"))) this.searchPath = await this.session.readSearchPath();
      if (!this.closed) this.socket.write(reply);
      if (lastTransactionStatus(reply) === "I") this.session.release(this);
    } catch (error) {
      this.session.release(this);
      throw error;
    }
    return this.drain();
  }

  /** StartupMessage: keeps `-c search_path=...` from the options, answers as a trusting server does. */
  private startup(payload: Buffer): void {
    const parts = payload.toString("utf8").split("\0");
    const parameters = new Map<string, string>();
    for (let i = 0; i + 1 < parts.length; i += 2) if (parts[i]) parameters.set(parts[i]!, parts[i + 1]!);
    const searchPath = /(?:^|\s)-c\s*search_path=(\S+)/.exec(parameters.get("options") ?? "")?.[1];
    if (searchPath !== undefined) this.searchPath = searchPath;
    this.started = true;
    const messages = [
      message("R", int32(0)),
      ...Object.entries({
        server_version: "17.0",
        server_encoding: "UTF8",
        client_encoding: "UTF8",
        DateStyle: "ISO, MDY",
        integer_datetimes: "on",
        standard_conforming_strings: "on",
        TimeZone: "UTC",
      }).map(([name, value]) => message("S", Buffer.from(`${name}\0${value}\0`))),
      message("K", Buffer.concat([int32(process.pid), int32(0)])),
      message("Z", Buffer.from("I")),
    ];
    this.socket.write(Buffer.concat(messages));
  }

  /** The buffered messages up to a Sync, a simple Query or a Terminate, once all have arrived. */
  private nextRequest(): { bytes: Buffer; terminates: boolean } | undefined {
    let offset = 0;
    while (offset + 5 <= this.buffer.length) {
      const type = String.fromCharCode(this.buffer[offset]!);
      const end = offset + 1 + this.buffer.readInt32BE(offset + 1);
      if (end > this.buffer.length) return undefined;
      offset = end;
      if (type === "S" || type === "Q" || type === "X") {
        const bytes = this.buffer.subarray(0, offset);
        this.buffer = this.buffer.subarray(offset);
        return { bytes, terminates: type === "X" };
      }
    }
    return undefined;
  }
}

/** The status byte of the last ReadyForQuery in a reply: I idle, T in a transaction, E failed one. */
function lastTransactionStatus(reply: Uint8Array): string | undefined {
  let status: string | undefined;
  let offset = 0;
  const view = Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength);
  while (offset + 5 <= view.length) {
    const type = String.fromCharCode(view[offset]!);
    const length = view.readInt32BE(offset + 1);
    if (type === "Z") status = String.fromCharCode(view[offset + 5]!);
    offset += 1 + length;
  }
  return status;
}

function message(type: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(type), int32(body.length + 4), body]);
}

function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
}
