import { describe, expect, it } from "vitest";
import { commandTable, projectFlags, type CommandName, type FlagSpecs } from "../../src/cli/command-table.js";
import { commandHelp, usage, usageHint } from "../../src/cli/usage.js";

const names = Object.keys(commandTable) as CommandName[];

/** The text with its line breaks and padding folded into single spaces, to find wrapped phrases in. */
function unwrapped(text: string): string {
  return text.replace(/\s+/g, " ");
}

function widest(text: string): string {
  return text.split("\n").reduce((a, b) => (b.length > a.length ? b : a), "");
}

describe("help fits 80 columns", () => {
  it("the overview lists every command with its whole summary, in lines of at most 80 characters", () => {
    const overview = usage(names);
    expect(widest(overview).length, widest(overview)).toBeLessThanOrEqual(80);
    for (const name of names) {
      expect(overview).toMatch(new RegExp(`^  ${name} +\\S`, "m"));
      expect(unwrapped(overview)).toContain(commandTable[name].summary);
    }
    for (const { help } of Object.values(projectFlags as FlagSpecs)) expect(unwrapped(overview)).toContain(help);
  });

  it.each(names)("`%s --help` and its usage hint keep every word, in lines of at most 80 characters", (name) => {
    const spec = commandTable[name];
    const help = commandHelp(name);
    expect(widest(help).length, widest(help)).toBeLessThanOrEqual(80);
    const usageLine = unwrapped(help.slice(0, help.indexOf("\n\n")));
    for (const [flag, { value }] of Object.entries(spec.flags as FlagSpecs)) {
      expect(usageLine).toContain(`[--${flag}${value ? ` ${value}` : ""}]`);
    }
    for (const [flag, { value, help: flagHelp }] of Object.entries({ ...spec.flags, ...projectFlags } as FlagSpecs)) {
      expect(help).toMatch(new RegExp(`^  --${flag}${value ? ` ${value}` : ""} +\\S`, "m"));
      expect(unwrapped(help)).toContain(flagHelp);
    }
    for (const paragraph of "details" in spec ? spec.details : []) expect(unwrapped(help)).toContain(paragraph);
    expect(unwrapped(help)).toContain(`Exit: ${spec.exit}.`);

    const hint = usageHint(name);
    expect(widest(hint).length, widest(hint)).toBeLessThanOrEqual(80);
    expect(hint).toMatch(new RegExp(`^Usage: cachegen ${name} `));
    expect(unwrapped(hint)).toContain(`${"arguments" in spec ? `${spec.arguments} ` : ""}[options]`);
  });
});
