import { parentPort } from "node:worker_threads";
import type { FileLanguage } from "../emit/emit-project.js";
import { formatText } from "./format-file.js";

/** A format request from `FormatPool` (`format-pool.ts`), and its answer. */
export interface FormatRequest {
  readonly id: number;
  readonly text: string;
  readonly language: FileLanguage;
}

export type FormatReply =
  { readonly id: number; readonly formatted: string } | { readonly id: number; readonly error: string };

// Load prettier and its TypeScript parser before the first request arrives: a pool is started
// while the schemas are still being read.
let queue: Promise<unknown> = formatText("export const warm = 1;\n", "typescript").catch(() => undefined);

// Requests are answered one at a time: a worker holds one syntax tree, not one per queued file.
parentPort?.on("message", (request: FormatRequest) => {
  queue = queue.then(async () => {
    let reply: FormatReply;
    try {
      reply = { id: request.id, formatted: await formatText(request.text, request.language) };
    } catch (error) {
      reply = { id: request.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    }
    parentPort?.postMessage(reply);
  });
});
