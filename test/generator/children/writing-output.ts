// Writes `largeOutput(version)` into `outDir` with `writeOutput`, telling the test when it starts:
// the test kills it with SIGKILL somewhere in the middle.
import { writeOutput } from "../../../src/write/write-output.js";
import { childInput, exitWithParent, tell } from "../../support/child-side.js";
import { largeOutput } from "./large-output.js";

const { outDir, version } = childInput<{ outDir: string; version: string }>();
const files = largeOutput(version);
// Sent before the write starts: the write is synchronous and would hold the message back to its end.
await new Promise((resolve) => process.send!({ type: "writing" }, resolve));
await writeOutput(outDir, files);
tell({ type: "written" });
exitWithParent();
