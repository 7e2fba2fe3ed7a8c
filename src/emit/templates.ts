import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type HandlebarsLibrary from "handlebars";
import { sha256 } from "../hash.js";
import { installedVersion } from "../package-info.js";

type Handlebars = typeof HandlebarsLibrary;
let handlebars: Handlebars | undefined;
let handlebarsRuntime: Handlebars | undefined;

const require = createRequire(import.meta.url);

/** Loaded on first render: a run served from the run cache (`run-cache.ts`) emits nothing. */
function handlebarsLibrary(): Handlebars {
  handlebars ??= require("handlebars") as Handlebars;
  return handlebars;
}

/** `templates/` of this package: two levels above both `src/emit/` and `dist/emit/`. */
const templatesDirectory = new URL("../../templates/", import.meta.url);

export const templateNames = ["entity.ts", "entity.test.ts", "index.ts", "README.md"] as const;
export type TemplateName = (typeof templateNames)[number];

/** Views hold finished source fragments, so nothing is escaped. */
export const templateOptions = { noEscape: true, strict: true } as const;

/**
 * `precompiled-templates.cjs` beside this module, written by `npm run build`
 * (`scripts/precompile-templates.mjs`): each template compiled ahead, with the hash of its text.
 */
export interface PrecompiledTemplates {
  readonly handlebars: string;
  readonly templates: Readonly<Record<string, { readonly sha256: string; readonly spec: TemplateSpecification }>>;
}

let precompiled: PrecompiledTemplates | null | undefined;

const compiled = new Map<TemplateName, HandlebarsLibrary.TemplateDelegate>();

/** Renders `templates/<name>.hbs`. */
export function renderTemplate(name: TemplateName, view: object): string {
  let template = compiled.get(name);
  if (!template) {
    const source = readTemplateFile(`${name}.hbs`);
    template = precompiledTemplate(name, source) ?? handlebarsLibrary().compile(source, templateOptions);
    compiled.set(name, template);
  }
  return template(view);
}

/**
 * The template compiled at build time, run on handlebars' runtime alone: compiling the templates
 * costs a cold run more than a tenth of its time. Undefined without a build (tests run `src/`),
 * and for a template edited since the build or another handlebars: those are compiled as before.
 */
function precompiledTemplate(name: TemplateName, source: string): HandlebarsLibrary.TemplateDelegate | undefined {
  if (precompiled === undefined) {
    try {
      precompiled = require("./precompiled-templates.cjs") as PrecompiledTemplates;
    } catch {
      precompiled = null;
    }
  }
  const entry = precompiled?.templates[name];
  if (entry === undefined || entry.sha256 !== sha256(source)) return undefined;
  if (precompiled?.handlebars !== installedVersion("handlebars")) return undefined;
  handlebarsRuntime ??= require("handlebars/runtime") as Handlebars;
  return handlebarsRuntime.template(entry.spec);
}

/** A file shipped verbatim from `templates/`, such as the example schema written by `init`. */
export function readTemplateFile(name: string): string {
  return readFileSync(new URL(name, templatesDirectory), "utf8");
}
