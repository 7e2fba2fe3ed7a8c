import type { EntityModel, ProjectModel } from "../model/model.js";
import { escapeGlob } from "../runtime/key-encoding.js";
import { entityKeyLayout, keyNamespace, normalizePrefix, type EntityKeyLayout } from "../runtime/keys.js";

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
  /** SCAN MATCH for this entity's keys alone. */
  readonly match: string;
  /** The write-behind streams (none without write-behind). */
  readonly queueKeys: readonly string[];
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
      "each entity's keys share one hash tag, so every step is single-slot (one entity lives on one shard)",
    entities,
    classify(key) {
      const found = layouts.find(({ layout }) => key.startsWith(layout.tagged));
      if (found === undefined) return { kind: "undeclared", label: /\{[^}]*\}/.exec(key)?.[0] ?? "(no hash tag)" };
      const { entity, layout } = found;
      if (key === layout.streamKey) return { kind: "queue", entity: entity.name };
      if (key === layout.deadLetterKey) return { kind: "dead-letters", entity: entity.name };
      const rest = key.slice(layout.tagged.length);
      const namespace = rest.includes(":") ? rest.slice(0, rest.indexOf(":")) : rest;
      if (!/^[^{}\s]+$/.test(namespace)) return { kind: "undeclared", label: `{${entity.name}} (not a cachegen key)` };
      return { kind: "entry", entity: entity.name, namespace };
    },
  };
}

function layoutOf(prefix: string, entity: EntityModel, namespace: string): EntityKeyLayout {
  return entityKeyLayout(prefix, entity.name, namespace);
}

function entityKeys(prefix: string, entity: EntityModel, current: EntityKeyLayout): EntityKeys {
  const writeBehind = entity.writeBehind !== undefined;
  return {
    entity,
    namespace: keyNamespace(entity.version, entity.shapeHash),
    match: `${escapeGlob(current.tagged)}*`,
    queueKeys: writeBehind ? [current.streamKey] : [],
    deadLetterKeys: writeBehind ? [current.deadLetterKey] : [],
    // "*" in the namespace's place: instances still running an earlier deploy (another shape hash)
    // keep their channel during a rolling deploy.
    l1ChannelPattern: layoutOf(escapeGlob(prefix), entity, "*").channel,
    namespacePrefix: (namespace) => layoutOf(prefix, entity, namespace).base,
  };
}
