import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type HandlebarsLibrary from "handlebars";

type Handlebars = typeof HandlebarsLibrary;
let handlebars: Handlebars | undefined;

/** Loaded on first render: a run served from the run cache (`run-cache.ts`) emits nothing. */
function handlebarsLibrary(): Handlebars {
  handlebars ??= createRequire(import.meta.url)("handlebars") as Handlebars;
  return handlebars;
}

/** `templates/` of this package: two levels above both `src/emit/` and `dist/emit/`. */
const templatesDirectory = new URL("../../templates/", import.meta.url);

export type TemplateName = "entity.ts" | "entity.test.ts" | "index.ts" | "README.md";

const compiled = new Map<TemplateName, HandlebarsLibrary.TemplateDelegate>();

/** Renders `templates/<name>.hbs`. Views hold finished source fragments, so nothing is escaped. */
export function renderTemplate(name: TemplateName, view: object): string {
  let template = compiled.get(name);
  if (!template) {
    const source = readFileSync(new URL(`${name}.hbs`, templatesDirectory), "utf8");
    template = handlebarsLibrary().compile(source, { noEscape: true, strict: true });
    compiled.set(name, template);
  }
  return template(view);
}

/** A file shipped verbatim from `templates/`, such as the example schema written by `init`. */
export function readTemplateFile(name: string): string {
  return readFileSync(new URL(name, templatesDirectory), "utf8");
}
