import type { EntityModel, ProjectModel } from "../model/model.js";
import { humanDuration, percentage } from "./durations.js";
import { lookupFields } from "./entity-fields.js";
import { alignedTable, unalignedTable } from "./markdown-table.js";
import { indexGetter, listGetter } from "./names.js";
import { parameterName } from "./typescript-syntax.js";

/** Everything `templates/README.md.hbs` lays out, as finished Markdown fragments. */
export interface ReadmeView {
  /** The entity table's lines: laid out as prettier would when every cell allows (see `preformatted`). */
  readonly table: readonly string[];
  /**
   * True when the whole README is as prettier prints it: the table is laid out
   * (`markdown-table.ts`), and every other line is fixed text or mermaid code, which prettier
   * leaves alone. The format stage then does not give it to prettier.
   */
  readonly preformatted: boolean;
  readonly graphNodes: readonly string[];
  readonly graphEdges: readonly string[];
}

const tableHeader = ["Entity", "Key", "Strategy", "TTL", "Indexes", "Tags", "Schema"];

function lookupCall(entity: EntityModel, method: string, fields: readonly string[]): string {
  const parameters = lookupFields(entity, fields).map((field) => parameterName(field.name));
  return code(`${method}(${parameters.join(", ")})`);
}

export function readmeView(project: ProjectModel): ReadmeView {
  const rows = project.entities.map((entity) => [
    code(entity.name),
    entity.key.map(code).join(", "),
    entity.strategy,
    ttlSummary(entity),
    // Lists are lookups too: `listByTeam(teamId)` beside `getByEmail(email)`, under the same header.
    listOrDash([
      ...entity.indexes.map((index) => lookupCall(entity, indexGetter(index), index.fields)),
      ...entity.lists.map((list) => lookupCall(entity, listGetter(list), list.fields)),
    ]),
    listOrDash(entity.tags.map((tag) => code(tag.pattern))),
    code(entity.sourceFile),
  ]);
  const aligned = alignedTable(tableHeader, rows);
  return {
    table: aligned ?? unalignedTable(tableHeader, rows),
    preformatted: aligned !== undefined,
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
