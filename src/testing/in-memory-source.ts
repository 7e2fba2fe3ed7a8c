import type { EntityDefinition } from "../runtime/index.js";

type Row = Record<string, unknown>;

/** A key field's value as text: dates by their instant, everything else by String. */
function partText(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

function isNewer(entity: unknown, held: unknown, versionField: string): boolean {
  const version = (row: unknown) => (row as Row)[versionField] as number | bigint | Date;
  return version(entity) > version(held);
}

function sameValue(a: unknown, b: unknown): boolean {
  return a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b;
}

/**
 * The source the conformance suite gives a repository: rows in a Map, every call counted. It has
 * every method a source may have (`loadMany`, `saveMany` and `deleteMany` included), and one
 * `loadBy<Index>` per declared index and `loadList<List>` per declared list, added by `bind` once the repository (and so its definition)
 * exists: the repository looks its source's methods up when it calls them.
 */
export class InMemorySource<TEntity> {
  readonly rows = new Map<string, TEntity>();
  /** Keys and index lookups loaded, one per key (`loadMany` counts each of its keys). */
  loads = 0;
  loadManyCalls = 0;
  private definition: EntityDefinition<TEntity, unknown> | undefined;

  bind(definition: EntityDefinition<TEntity, unknown>): void {
    this.definition = definition;
    for (const index of Object.values(definition.indexes)) {
      (this as unknown as Record<string, unknown>)[index.load] = async (...values: unknown[]) => {
        this.loads += 1;
        return (
          [...this.rows.values()].find((row) =>
            index.fields.every((field, i) => sameValue((row as Row)[field], values[i])),
          ) ?? null
        );
      };
    }
    for (const list of Object.values(definition.lists ?? {})) {
      (this as unknown as Record<string, unknown>)[list.load] = async (...values: unknown[]) => {
        this.loads += 1;
        return [...this.rows.values()].filter((row) =>
          list.fields.every((field, i) => sameValue((row as Row)[field], values[i])),
        );
      };
    }
  }

  /** The row id of a key or an entity (its key fields). */
  rowId(key: unknown): string {
    if (!this.definition) throw new Error("cachegen/testing: InMemorySource used before bind()");
    return JSON.stringify(this.definition.key.map((field) => partText((key as Row)[field])));
  }

  /** Stores `entity` as is (the suite's own setup). */
  put(entity: TEntity): void {
    this.rows.set(this.rowId(entity), entity);
  }

  /**
   * What a save stores: `entity`, unless the row held has a version at least as new (fenced on
   * the `versionField`, as README advises for real sources). Returns the row kept.
   */
  private keep(entity: TEntity): TEntity {
    const held = this.get(entity);
    const versionField = this.definition?.versionField;
    if (held !== undefined && versionField !== undefined && !isNewer(entity, held, versionField)) return held;
    this.put(entity);
    return entity;
  }

  get(key: unknown): TEntity | undefined {
    return this.rows.get(this.rowId(key));
  }

  async load(key: unknown): Promise<TEntity | null> {
    this.loads += 1;
    return this.get(key) ?? null;
  }

  async loadMany(keys: readonly unknown[]): Promise<(TEntity | null)[]> {
    this.loadManyCalls += 1;
    this.loads += keys.length;
    return keys.map((key) => this.get(key) ?? null);
  }

  /** Answers the row it kept, as a fenced upsert with `RETURNING *` does. */
  async save(entity: TEntity): Promise<TEntity> {
    return this.keep(entity);
  }

  async delete(key: unknown): Promise<void> {
    this.rows.delete(this.rowId(key));
  }

  async saveMany(entities: readonly TEntity[]): Promise<void> {
    for (const entity of entities) this.keep(entity);
  }

  async deleteMany(keys: readonly unknown[]): Promise<void> {
    for (const key of keys) this.rows.delete(this.rowId(key));
  }
}
