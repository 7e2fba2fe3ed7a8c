import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OrderRepository, type Order } from "../../generated/order.js";
import { SpawnedRedis } from "../support/redis-server.js";
import { until } from "../support/wait.js";
import { requireBuiltCli, runCli, temporaryProjects } from "./cli-harness.js";
import { MemorySource } from "./example-entities.js";
import { deadLetterKeysOf, totalLength } from "../support/key-layout.js";

requireBuiltCli();
const project = temporaryProjects();
const packageRoot = fileURLToPath(new URL("../..", import.meta.url));
const keyPrefix = "dlq";

const order: Order = {
  id: "3d6f0c1e-9a4b-4f7e-8a2d-5b1c9e0f7a21",
  customerId: "9e1d7c3b-0a5f-4e2d-8b6c-4f3a2d1e0c9b",
  status: "pending",
  lines: [],
  totalCents: 0n,
  placedAt: new Date("2024-03-01T10:00:00.000Z"),
  revision: 1,
};

/** An order table that refuses writes until `accepting`. */
class OrderTable extends MemorySource<Order, { id: string }> {
  accepting = false;
  constructor() {
    super((o) => ({ id: o.id }));
  }
  override async save(entity: Order): Promise<void> {
    if (!this.accepting) throw new Error('insert or update on table "orders" violates foreign key constraint');
    await super.save(entity);
  }
}

describe("cachegen dead-letters", () => {
  let server: SpawnedRedis;
  let url: string;
  let cwd: string;
  let redis: Redis;

  beforeAll(async () => {
    server = await SpawnedRedis.start();
    url = `redis://127.0.0.1:${server.port}`;
    const files: Record<string, string> = { "cachegen.config.json": JSON.stringify({ keyPrefix }) };
    for (const name of await readdir(`${packageRoot}/schemas`))
      files[`schemas/${name}`] = await readFile(`${packageRoot}/schemas/${name}`, "utf8");
    cwd = await project(files);
    redis = new Redis(url, { lazyConnect: true });
    await redis.connect();
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it("lists the dead letters of a write-behind entity; --replay queues them again and a worker writes them", async () => {
    const table = new OrderTable();
    const orders = new OrderRepository({ redis, keyPrefix, source: table });
    const worker = orders.startWorker({ retryBaseMs: 10, pollMs: 20 });
    try {
      await orders.save(order);
      const deadLetterKeys = deadLetterKeysOf(`${keyPrefix}:`, "Order");
      await until(async () => (await totalLength(redis, deadLetterKeys)) === 1, 10_000);

      const listed = await runCli(cwd, ["dead-letters", "--redis", url]);
      expect(listed.stderr).toBe("");
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain("Order: 1 dead letter(s) in dlq:Order:{…}:dlq");
      expect(listed.stdout).toMatch(new RegExp(`save ${order.id} {2}attempts 5 {2}.*violates foreign key constraint`));

      table.accepting = true;
      const replayed = await runCli(cwd, ["dead-letters", "Order", "--replay", "--redis", url]);
      expect(replayed.stderr).toBe("");
      expect(replayed.code).toBe(0);
      expect(replayed.stdout).toContain("Order: 1 of 1 dead letter(s) queued again");
      await orders.flush(10_000);
      expect(await table.load({ id: order.id })).toEqual(order);
      expect(await totalLength(redis, deadLetterKeys)).toBe(0);
    } finally {
      await worker.stop();
      await orders.close();
    }
  });

  it("an entity that is not write-behind, or unknown, exits 1 and says which are", async () => {
    const notWriteBehind = await runCli(cwd, ["dead-letters", "Category", "--redis", url]);
    expect(notWriteBehind.code).toBe(1);
    expect(notWriteBehind.stderr).toContain("Category is not a write-behind entity; write-behind entities: Order");
    const unknown = await runCli(cwd, ["dead-letters", "Ordr", "--redis", url]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no entity "Ordr" in the schemas');
  });

  it("--help prints the command's help and exits 0", async () => {
    const help = await runCli(cwd, ["dead-letters", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("cachegen dead-letters");
    expect(help.stdout).toContain("--replay");
  });
});
