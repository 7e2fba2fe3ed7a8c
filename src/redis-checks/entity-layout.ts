import type { EntityModel, ProjectModel } from "../model/model.js";
import { escapeGlob } from "../runtime/key-encoding.js";
import { bucketCount, entityKeyLayout, keyNamespace, normalizePrefix, type EntityKeyLayout } from "../runtime/keys.js";

/**
 * Every key name the operator commands (doctor, inspect, acl, monitor) rely on, derived from the
 * runtime's own layout (`src/runtime/keys.ts`). Nothing else under `src/redis-checks` or `src/cli`
 * builds or parses a key, so a change of the layout (another hash tag, partitioned queues) is a
 * change here alone.
 */
export interface ProjectKeys {
  /** The normalized key prefix, `app:`. */
  readonly prefix: string;
  /** SCAN MATCH for every key of the project. */
  readonly match: string;
  /** The `ACL SETUSER` key pattern that covers every key of the project, without its `~`. */
  readonly aclKeyPattern: string;
  /** An absent key under the prefix: a probe the application's own user may read. */
  readonly probeKey: string;
  /** How the keys spread over a cluster's slots, for an operator. */
  readonly clusterSpread: string;
  readonly entities: readonly EntityKeys[];
  /** What a key found by SCAN is: an entry of an entity's namespace, a queue, or no entity's. */
  classify(key: string): KeyRole;
}

/** The keys of one entity. */
export interface EntityKeys {
  readonly entity: EntityModel;
  /** `<version>.<shapeHash>`: where the runtime reads and writes now. */
  readonly namespace: string;
  /** SCAN MATCH for this entity's keys alone (of the current layout; `legacyMatch`: of layout 1). */
  readonly match: string;
  readonly legacyMatch: string;
  /** The write-behind streams, one per partition and the layout-1 one (none without write-behind). */
  readonly queueKeys: readonly string[];
  /** The queue as an operator reads it in a message: `app:Order:{…}:q (16 partitions)`. */
  readonly queueLabel: string | undefined;
  /** Their dead-letter streams. */
  readonly deadLetterKeys: readonly string[];
  /** The pub/sub channel of the l1 tier in every namespace, as an ACL channel pattern (`&` left out). */
  readonly l1ChannelPattern: string;
  /** What `deleteByPrefix` takes to drop one namespace of the entity. */
  namespacePrefix(namespace: string): string;
}

export type KeyRole =
  | { readonly kind: "entry"; readonly entity: string; readonly namespace: string }
  | { readonly kind: "queue" | "dead-letters"; readonly entity: string }
  /** `label` groups such keys in a report: their hash tag, `{Legacy}`. */
  | { readonly kind: "undeclared"; readonly label: string };

/** The key names of `model`'s entities under `keyPrefix` (the app's own, else the configured one). */
export function projectKeys(model: ProjectModel, keyPrefix: string = model.keyPrefix): ProjectKeys {
  const prefix = normalizePrefix(keyPrefix);
  const layouts = model.entities.map((entity) => ({
    entity,
    layout: layoutOf(prefix, entity, keyNamespace(entity.version, entity.shapeHash)),
  }));
  const entities = layouts.map(({ entity, layout }) => entityKeys(prefix, entity, layout));
  return {
    prefix,
    match: `${escapeGlob(prefix)}*`,
    aclKeyPattern: `${escapeGlob(prefix)}*`,
    probeKey: `${prefix}cachegen-doctor-probe`,
    clusterSpread:
      "each entry's keys share the hash tag of one of its entity's buckets (64, or a write-behind entity's partitions) on evenly spaced slots, so every entity spreads over every shard; every atomic step is single-slot",
    entities,
    classify(key) {
      const found = layouts.find(({ layout }) => key.startsWith(layout.root) || key.startsWith(layout.legacyRoot));
      if (found === undefined) return { kind: "undeclared", label: /\{[^}]*\}/.exec(key)?.[0] ?? "(no hash tag)" };
      const { entity, layout } = found;
      if (key === layout.legacyStreamKey || layout.streamKeys.includes(key))
        return { kind: "queue", entity: entity.name };
      if (key === layout.legacyDeadLetterKey || layout.deadLetterKeys.includes(key))
        return { kind: "dead-letters", entity: entity.name };
      const legacy = !key.startsWith(layout.root);
      const rest = key.slice(legacy ? layout.legacyRoot.length : layout.root.length);
      const namespace = rest.includes(":") ? rest.slice(0, rest.indexOf(":")) : rest;
      if (!/^[^{}\s]+$/.test(namespace)) return { kind: "undeclared", label: `{${entity.name}} (not a cachegen key)` };
      // A namespace of key layout 1 is named with its hash tag (`{Customer}:1.abc`): deleteByPrefix takes that.
      return { kind: "entry", entity: entity.name, namespace: legacy ? `{${entity.name}}:${namespace}` : namespace };
    },
  };
}

function layoutOf(prefix: string, entity: EntityModel, namespace: string): EntityKeyLayout {
  return entityKeyLayout(prefix, entity.name, namespace, bucketCount(entity.writeBehind));
}

function entityKeys(prefix: string, entity: EntityModel, current: EntityKeyLayout): EntityKeys {
  const writeBehind = entity.writeBehind !== undefined;
  return {
    entity,
    namespace: keyNamespace(entity.version, entity.shapeHash),
    match: `${escapeGlob(current.root)}*`,
    legacyMatch: `${escapeGlob(current.legacyRoot)}*`,
    queueKeys: writeBehind ? [...current.streamKeys, current.legacyStreamKey] : [],
    queueLabel: writeBehind ? `${current.root}{…}:q, ${current.buckets} partitions` : undefined,
    deadLetterKeys: writeBehind ? [...current.deadLetterKeys, current.legacyDeadLetterKey] : [],
    // "*" in the namespace's place: instances still running an earlier deploy (another shape hash)
    // keep their channel during a rolling deploy.
    l1ChannelPattern: layoutOf(escapeGlob(prefix), entity, "*").channel,
    namespacePrefix: (namespace) =>
      namespace.startsWith("{") ? `${prefix}${namespace}:` : layoutOf(prefix, entity, namespace).base,
  };
}
