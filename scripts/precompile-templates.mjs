// Run by `npm run build` after tsc: compiles templates/*.hbs ahead into
// dist/emit/precompiled-templates.cjs, each with the hash of its text and the handlebars version,
// so `renderTemplate` (src/emit/templates.ts) loads handlebars' runtime instead of compiling.
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { sha256 } from "../dist/hash.js";
import { installedVersion } from "../dist/package-info.js";
import { readTemplateFile, templateNames, templateOptions } from "../dist/emit/templates.js";

const handlebars = createRequire(import.meta.url)("handlebars");
const templates = templateNames.map((name) => {
  const source = readTemplateFile(`${name}.hbs`);
  const spec = handlebars.precompile(source, templateOptions);
  return `    ${JSON.stringify(name)}: { sha256: ${JSON.stringify(sha256(source))}, spec: ${spec} },\n`;
});
writeFileSync(
  new URL("../dist/emit/precompiled-templates.cjs", import.meta.url),
  `// Written by scripts/precompile-templates.mjs.\nmodule.exports = {\n  handlebars: ${JSON.stringify(installedVersion("handlebars"))},\n  templates: {\n${templates.join("")}  },\n};\n`,
);
