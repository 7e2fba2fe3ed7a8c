import { chunkSize } from "../chunking.js";
import type { GuardResult, RedisGuard } from "../redis-guard.js";
import { slotGroups } from "../slot-groups.js";
import { runScript, script, type Script, type ScriptArgument, type TypedScript } from "./define-script.js";

/** Calls of one script batched together at most (KEYS and ARGV of one EVALSHA stay bounded). */
export const MAX_SCRIPT_BATCH = 256;
/**
 * The batched form of a single-entry script: its source becomes a Lua function of (KEYS, ARGV), run
 * once per entry. ARGV[1] is the entry count; then per entry its key count, its argument count and
 * its arguments; KEYS are the entries' keys in order. Returns one reply per entry: the script's own
 * reply (false for nil), or an error reply when that entry raised (the other entries still run, and
 * what an entry wrote before raising stays written, as with a single script that raises).
 */
export function batchedScript(single: Script): Script {
  return script(
    `${single.name}-batch`,
    `local function body(KEYS, ARGV)
${single.source}
end
local n = tonumber(ARGV[1])
local out = {}
local k, a = 1, 2
for e = 1, n do
  local nk, na = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  a = a + 2
  local keys, argv = {}, {}
  for i = 1, nk do keys[i] = KEYS[k + i - 1] end
  for i = 1, na do argv[i] = ARGV[a + i - 1] end
  k = k + nk
  a = a + na
  local ok, r = pcall(body, keys, argv)
  if not ok then
    if type(r) == 'table' and r.err then out[e] = r else out[e] = redis.error_reply(tostring(r)) end
  elseif r == nil then
    out[e] = false
  else
    out[e] = r
  end
end
return out
`,
  );
}

interface Call<TReply> {
  readonly keys: readonly string[];
  readonly args: readonly ScriptArgument[];
  readonly resolve: (result: GuardResult<TReply>) => void;
}

/**
 * Write batching for ONE script of ONE repository (the write-side counterpart of GetBatcher):
 * calls issued while the current microtask queue drains are sent as one EVALSHA of the batched
 * script (`batchedScript`); a lone call is sent as the script itself, exactly as before. Every call
 * gets its own reply; a failed or timed-out batch fails every call in it (each caller then does
 * what it does after a failed script: e.g. write-through queues an invalidation).
 *
 * Order: `flush()` sends what is pending at once; the repository calls it before it sends any
 * other script, so commands still reach Redis in the order they were issued, only grouped. On a
 * Cluster calls are batched per slot (the keys of one call share one), each slot's in order.
 */
export class ScriptBatcher<TInput, TReply> {
  private calls: Call<TReply>[] = [];
  private scheduled = false;
  private readonly batched: Script;
  private readonly flushNow = (): void => this.flush();
  private readonly scheduleFlush = (): void => process.nextTick(this.flushNow);

  constructor(
    private readonly guard: RedisGuard,
    private readonly single: TypedScript<TInput, TReply>,
    private readonly bounds: { readonly maxBatch?: number; readonly timeoutMs?: number } = {},
  ) {
    this.batched = batchedScript(single);
  }

  /** Runs the script with this input (in a batch, or alone); never rejects. */
  run(input: TInput): Promise<GuardResult<TReply>> {
    if (!this.scheduled) {
      this.scheduled = true;
      void RESOLVED.then(this.scheduleFlush);
    }
    const { keys, args } = this.single.encode(input);
    return new Promise<GuardResult<TReply>>((resolve) => {
      this.calls.push({ keys, args, resolve });
    });
  }

  /** Sends the pending calls now (no-op when none). */
  flush(): void {
    const calls = this.calls;
    if (!calls.length) return;
    this.calls = [];
    this.scheduled = false;
    if (this.guard.client.isCluster === true && calls.length > 1) {
      for (const group of slotGroups(true, calls, (call) => call.keys[0] ?? "")) this.send(group.map((i) => calls[i]!));
      return;
    }
    this.send(calls);
  }

  private send(calls: readonly Call<TReply>[]): void {
    if (calls.length === 1) {
      const call = calls[0]!;
      this.guard.call(
        this.single.name,
        (c) => runScript(c, this.single, call.keys, call.args),
        (r) => call.resolve(this.decoded(r)),
        this.bounds.timeoutMs,
      );
      return;
    }
    const size = chunkSize(calls.length, this.bounds.maxBatch ?? MAX_SCRIPT_BATCH);
    for (let start = 0; start < calls.length; start += size) {
      const chunk = calls.slice(start, start + size);
      const { keys, args } = batchArguments(chunk);
      this.guard.call(
        this.batched.name,
        (c) => runScript(c, this.batched, keys, args),
        (r) => this.answer(chunk, r),
        this.bounds.timeoutMs,
      );
    }
  }

  /** Hands each call of one batched script its own reply (every call fails when the batch did). */
  private answer(calls: readonly Call<TReply>[], r: GuardResult<unknown>): void {
    if (!r.ok || !Array.isArray(r.value) || r.value.length !== calls.length) {
      const failure: GuardResult<never> = r.ok ? unexpected(this.batched) : r;
      for (const call of calls) call.resolve(failure);
      return;
    }
    const replies = r.value as unknown[];
    calls.forEach((call, i) => {
      const reply = replies[i];
      call.resolve(
        reply instanceof Error
          ? { ok: false, error: reply, skipped: false }
          : this.decoded({ ok: true, value: reply === false ? null : reply }),
      );
    });
  }

  private decoded(r: GuardResult<unknown>): GuardResult<TReply> {
    if (!r.ok) return r;
    const value = this.single.decode(r.value);
    return value === undefined ? unexpected(this.single) : { ok: true, value };
  }
}

/** A reply the script does not give: a failure like any other. */
export function unexpected(s: Script): GuardResult<never> {
  return { ok: false, error: new Error(`cachegen: script ${s.name} gave an unexpected reply`), skipped: false };
}

/** KEYS and ARGV of the batched script for these calls (see `batchedScript`). */
function batchArguments<TReply>(calls: readonly Call<TReply>[]): { keys: string[]; args: ScriptArgument[] } {
  const keys: string[] = [];
  const args: ScriptArgument[] = [calls.length];
  for (const call of calls) {
    args.push(call.keys.length, call.args.length);
    for (const key of call.keys) keys.push(key);
    for (const arg of call.args) args.push(arg);
  }
  return { keys, args };
}

const RESOLVED = Promise.resolve();
