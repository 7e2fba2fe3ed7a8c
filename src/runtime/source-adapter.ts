import type { EntityDefinition } from "./definition.js";
import type { EntityCheck } from "./entity-check.js";
import { CachegenError } from "./errors.js";
import type { Events } from "./events.js";
import type { ResolvedKey } from "./key-space.js";
import type { EntitySource } from "./types.js";

/** The loader `get(key, load)` may pass for one call (the cache-aside form); it overrides `source.load`. */
export type Loader<TEntity, TKey> = (key: TKey) => Promise<TEntity | null>;

/**
 * The application's source as the repository uses it: every call into the source goes through
 * here. `load`, `loadOne` and `loadByIndex` read it (each key counted as a `load` event); a method
 * the source lacks is an error that names it and what needs it, raised before Redis is touched.
 *
 * Every row read is parsed into what a hit would return, and matched to the key it answers (see
 * EntityCheck): a row that does not fit, or that `load` returned for another key, is an
 * InvalidEntityError; `loadMany`'s rows are matched to the keys by their key fields.
 */
export class SourceAdapter<TEntity, TKey> {
  constructor(
    private readonly definition: EntityDefinition<TEntity, TKey>,
    private readonly source: EntitySource<TEntity, TKey> | undefined,
    private readonly events: Events,
    private readonly check: EntityCheck<TEntity, TKey>,
  ) {}

  /** The source method `method`, bound to the source; throws a CachegenError naming it when the source lacks it. */
  require(method: string): (...args: unknown[]) => Promise<unknown> {
    const fn = (this.source as Record<string, unknown> | undefined)?.[method];
    if (typeof fn === "function")
      return (...args) => (fn as (...args: unknown[]) => Promise<unknown>).apply(this.source, args);
    const name = this.definition.name;
    if (!this.source) {
      throw new CachegenError(
        method === "load"
          ? `${name}: no source: pass a load function to get(key, load) or give the repository a source implementing ${name}Source.load`
          : `${name}: no source: give the repository a source implementing ${name}Source.${method}`,
      );
    }
    throw new CachegenError(
      `${name}: source.${method} is not implemented; implement ${name}Source.${method}() to use ${this.methodNeeding(method)} (strategy ${this.definition.strategy})`,
    );
  }

  /** Loads one key (with `loader` when given). */
  async loadOne(k: ResolvedKey<TKey>, loader: Loader<TEntity, TKey> | undefined): Promise<TEntity | null> {
    const [value] = await this.load([k], loader);
    return value ?? null;
  }

  /**
   * Loads keys: with `loader` per key when given, else `source.loadMany` for several where it
   * exists, else `source.load` per key. Parsed rows, in the order of `ks`.
   */
  async load(ks: readonly ResolvedKey<TKey>[], loader: Loader<TEntity, TKey> | undefined): Promise<(TEntity | null)[]> {
    for (const k of ks) this.events.record("load", k.valueKey);
    if (loader) return Promise.all(ks.map(async (k) => this.one(k, await loader(k.key), "the loader given to get()")));
    const loadOne = this.require("load") as Loader<TEntity, TKey>;
    const source = this.source!;
    if (ks.length > 1 && typeof source.loadMany === "function") {
      const rows: unknown = await source.loadMany(ks.map((k) => k.key));
      if (!Array.isArray(rows)) {
        throw new CachegenError(
          `${this.definition.name}: source.loadMany returned ${rows === null ? "null" : typeof rows}; it must return an array: one entry per key (null when absent), or the rows found`,
        );
      }
      const values = this.check.rows(rows, ks, "source.loadMany");
      return Promise.all(
        values.map(async (value, i) =>
          value !== undefined ? value : this.one(ks[i]!, await loadOne(ks[i]!.key), "source.load"),
        ),
      );
    }
    return Promise.all(ks.map(async (k) => this.one(k, await loadOne(k.key), "source.load")));
  }

  /** The loader of an index (`loadBy<Index>`), checked at once; calling it counts one `load` of `indexKey`. */
  indexLoader(index: string, indexKey: string): (values: readonly unknown[]) => Promise<TEntity | null> {
    const method = this.definition.indexes[index]!.load;
    const load = this.require(method);
    return async (values) => {
      this.events.record("load", indexKey);
      const row = await load(...values);
      return row === null || row === undefined ? null : this.check.indexRow(row, indexKey, `source.${method}`);
    };
  }

  /**
   * The loader of a list (`loadList<List>`), checked at once; calling it counts one `load` of
   * `listKey`. Each row is parsed (InvalidEntityError for one that does not fit); a reply that is
   * not an array is a CachegenError.
   */
  listLoader(list: string, listKey: string): (values: readonly unknown[]) => Promise<TEntity[]> {
    const method = this.definition.lists![list]!.load;
    const load = this.require(method);
    return async (values) => {
      this.events.record("load", listKey);
      const rows: unknown = await load(...values);
      if (!Array.isArray(rows)) {
        throw new CachegenError(
          `${this.definition.name}: source.${method} returned ${rows === null ? "null" : typeof rows}; it must return an array of ${this.definition.name} (empty when there are none)`,
        );
      }
      return rows.map((row) => this.check.indexRow(row, listKey, `source.${method}`));
    };
  }

  private one(k: ResolvedKey<TKey>, row: unknown, origin: string): TEntity | null {
    return row === null || row === undefined ? null : this.check.row(row, k, origin);
  }

  private methodNeeding(method: string): string {
    if (method === "save") return "save()";
    if (method === "delete") return "delete()";
    const index = Object.entries(this.definition.indexes).find(([, d]) => d.load === method);
    if (index) return `getBy${index[0].replace(/^by/, "")}() (index ${index[0]})`;
    const list = Object.entries(this.definition.lists ?? {}).find(([, d]) => d.load === method);
    if (list) return `listBy${list[0].replace(/^by/, "")}() (list ${list[0]})`;
    return "get()";
  }
}
