import type { EntityModel, ProjectModel } from "../model/model.js";
import { humanDuration, percentage } from "./durations.js";
import { lookupFields } from "./entity-fields.js";
import { indexGetter } from "./names.js";
import { parameterName } from "./typescript-syntax.js";

/** Everything `templates/README.md.hbs` lays out, as finished Markdown fragments. */
export interface ReadmeView {
  readonly rows: readonly {
    readonly entity: string;
    readonly key: string;
    readonly strategy: string;
    readonly ttl: string;
    readonly indexes: string;
    readonly tags: string;
    readonly schema: string;
  }[];
  readonly graphNodes: readonly string[];
  readonly graphEdges: readonly string[];
}

export function readmeView(project: ProjectModel): ReadmeView {
  return {
    rows: project.entities.map((entity) => ({
      entity: code(entity.name),
      key: entity.key.map(code).join(", "),
      strategy: entity.strategy,
      ttl: ttlSummary(entity),
      indexes: listOrDash(
        entity.indexes.map((index) => {
          const parameters = lookupFields(entity, index.fields).map((field) => parameterName(field.name));
          return code(`${indexGetter(index)}(${parameters.join(", ")})`);
        }),
      ),
      tags: listOrDash(entity.tags.map((tag) => code(tag.pattern))),
      schema: code(entity.sourceFile),
    })),
    graphNodes: project.entities.map((entity) => entity.name),
    graphEdges: project.entities.flatMap((entity) =>
      entity.invalidates.map((rule) => {
        const mapping = Object.entries(rule.key).map(([targetField, field]) => `${targetField}: ${field}`);
        return `${entity.name} -->|"${mapping.join(", ")}"| ${rule.entity}`;
      }),
    ),
  };
}

function ttlSummary(entity: EntityModel): string {
  const parts = [`${humanDuration(entity.ttlMs)} (up to ${percentage(entity.jitter)} early)`];
  if (entity.staleWhileRevalidateMs !== undefined) {
    parts.push(`stale-while-revalidate ${humanDuration(entity.staleWhileRevalidateMs)}`);
  }
  if (entity.negativeTtlMs !== undefined) parts.push(`not-found ${humanDuration(entity.negativeTtlMs)}`);
  if (entity.l1) parts.push(`in-process ${humanDuration(entity.l1.ttlMs)}`);
  return parts.join(", ");
}

function code(text: string): string {
  return `\`${text}\``;
}

function listOrDash(items: readonly string[]): string {
  return items.length === 0 ? "—" : items.join(", ");
}
