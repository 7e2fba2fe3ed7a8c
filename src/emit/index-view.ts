import type { ProjectModel } from "../model/model.js";
import { entityModule, repositoryClass, sourceInterface } from "./names.js";
import { propertyAccess, propertyKey } from "./typescript-syntax.js";

/** Everything `templates/index.ts.hbs` lays out. */
export interface IndexView {
  readonly entities: readonly {
    readonly module: string;
    readonly repositoryClass: string;
    readonly sourceInterface: string;
    /** The entity's name, for the members' JSDoc. */
    readonly name: string;
    readonly property: string;
    readonly source: string;
    /** Cache-aside repositories can load per call, so their source may be left out. */
    readonly sourceOptional: boolean;
    /** The options it is given: `sharedWithDurability` or `shared`. */
    readonly sharedOptions: string;
  }[];
  /**
   * The project mixes write-behind with other strategies: `durability` goes to the write-behind
   * repositories alone (any other repository's constructor refuses it).
   */
  readonly durabilityForWriteBehindOnly: boolean;
}

export function indexView(project: ProjectModel): IndexView {
  const writeBehind = project.entities.filter((entity) => entity.strategy === "write-behind").length;
  const durabilityForWriteBehindOnly = writeBehind > 0 && writeBehind < project.entities.length;
  return {
    durabilityForWriteBehindOnly,
    entities: project.entities.map((entity) => ({
      module: entityModule(entity),
      repositoryClass: repositoryClass(entity),
      sourceInterface: sourceInterface(entity),
      name: entity.name,
      property: propertyKey(entity.propertyName),
      source: propertyAccess("sources", entity.propertyName),
      sourceOptional: entity.strategy === "cache-aside",
      sharedOptions:
        durabilityForWriteBehindOnly && entity.strategy === "write-behind" ? "sharedWithDurability" : "shared",
    })),
  };
}
