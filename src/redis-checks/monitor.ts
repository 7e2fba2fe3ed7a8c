import { closeConnection, connectToServer, type ServerConnection } from "./connection.js";
import type { EntityKeys, ProjectKeys } from "./entity-layout.js";
import { KeyCensus, type Census } from "./key-census.js";
import { keyNodes, type KeyNodes } from "./key-nodes.js";
import { measureQueue, type QueueFigures } from "./queue-figures.js";
import type { ClientTls } from "./tls-probe.js";
import { figuresBetween, readServerFigures, type ServerFigures } from "./server-figures.js";

export interface EntityFigures {
  readonly keys: EntityKeys;
  /** Keys of the current namespace, and of the namespaces of earlier deploys. */
  readonly current: number;
  readonly old: number;
  /** Write-behind entities only; read at each snapshot. */
  readonly queue: QueueFigures | undefined;
}

export interface MonitorSnapshot {
  /** Per node: since the server started, or with `sincePrevious`, since the previous snapshot. */
  readonly servers: readonly ServerFigures[];
  readonly sincePrevious: boolean;
  readonly entities: readonly EntityFigures[];
  /** Keys under the prefix of no declared entity. */
  readonly undeclared: number;
  /** True when the key counts come from a complete pass; false while the first pass is under way. */
  readonly counted: boolean;
  /** The SCAN MATCH pattern of the key counts. */
  readonly match: string;
}

/**
 * What `cachegen monitor` shows, one snapshot at a time, over one connection (and one per other
 * cluster primary). Key counts come from an incremental census: each snapshot spends at most the
 * SCAN calls it is given, and shows the last complete pass.
 */
export class Monitor {
  private readonly previous = new Map<string, ServerFigures>();
  private lastCount: Census | undefined;

  private constructor(
    private readonly connection: ServerConnection,
    private readonly nodes: KeyNodes,
    private readonly keys: ProjectKeys,
    private readonly census: KeyCensus,
  ) {}

  /** Throws ConnectionError when the server cannot be used. */
  static async open(url: string, keys: ProjectKeys, tls?: ClientTls): Promise<Monitor> {
    const connection = await connectToServer(url, tls);
    try {
      const nodes = await keyNodes(connection, url);
      return new Monitor(connection, nodes, keys, new KeyCensus(nodes.nodes, keys));
    } catch (error) {
      await closeConnection(connection.redis);
      throw error;
    }
  }

  get nodeAddresses(): string[] {
    return this.nodes.nodes.map((node) => node.address);
  }

  /** `scanCallsPerNode`: the most SCAN calls per node this snapshot may spend counting keys. */
  async snapshot(scanCallsPerNode = Number.POSITIVE_INFINITY): Promise<MonitorSnapshot> {
    // INFO first: the XLEN and XPENDING below count as keyspace hits and misses.
    const now = await readServerFigures(this.nodes.nodes);
    const sincePrevious = now.every((figures) => this.previous.has(figures.address));
    const servers = now.map((figures) => {
      const before = this.previous.get(figures.address);
      return before === undefined ? figures : figuresBetween(before, figures);
    });
    for (const figures of now) this.previous.set(figures.address, figures);

    if (await this.census.advance(scanCallsPerNode * this.nodes.nodes.length)) this.lastCount = this.census.current;
    const count = this.lastCount ?? this.census.current;
    const entities = await Promise.all(
      this.keys.entities.map(async (keys): Promise<EntityFigures> => {
        const namespaces = count.entities.get(keys.entity.name);
        let current = 0;
        let old = 0;
        for (const [namespace, found] of namespaces ?? []) {
          if (namespace === keys.namespace) current += found.count;
          else old += found.count;
        }
        const queue = keys.entity.writeBehind === undefined ? undefined : await measureQueue(this.nodes, keys);
        return { keys, current, old, queue };
      }),
    );
    return {
      servers,
      sincePrevious,
      entities,
      undeclared: [...count.undeclared.values()].reduce((total, keys) => total + keys, 0),
      counted: this.lastCount !== undefined,
      match: count.match,
    };
  }

  async close(): Promise<void> {
    await this.nodes.close();
    await closeConnection(this.connection.redis);
  }
}
