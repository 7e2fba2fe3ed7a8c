import type { KeySpace, ResolvedKey } from "./key-space.js";
import type { GuardResult, RedisGuard } from "./redis-guard.js";
import type { ScriptInput, ScriptReply } from "./scripts/define-script.js";
import { WRITE_LOOKUP } from "./scripts/read-scripts.js";
import type { ScriptBatcher } from "./scripts/script-batcher.js";
import { MARK_WRITER, PUT } from "./scripts/write-scripts.js";
import type { SlotScripts } from "./slot-scripts.js";
import type { StoredValue } from "./stored-value.js";

/** A write-through writer registration lives this long at most (a writer that died leaves no mark behind). */
const WRITERS_TTL_MS = 60_000;

/** Write-through: writers in flight marked and unmarked, values put once the source took them (batched per tick). */
export class WriteThroughCommands<TEntity, TKey> {
  private readonly marks: ScriptBatcher<ScriptInput<typeof MARK_WRITER>, ScriptReply<typeof MARK_WRITER>>;
  private readonly puts: ScriptBatcher<ScriptInput<typeof PUT>, ScriptReply<typeof PUT>>;
  /** Index entries and tag sets of write-through values (many saves in a tick: one script call per slot). */
  private readonly lookups: ScriptBatcher<ScriptInput<typeof WRITE_LOOKUP>, ScriptReply<typeof WRITE_LOOKUP>>;

  constructor(
    private readonly guard: RedisGuard,
    private readonly keys: KeySpace<TEntity, TKey>,
    scripts: SlotScripts,
  ) {
    this.marks = scripts.batched(MARK_WRITER);
    this.puts = scripts.batched(PUT);
    this.lookups = scripts.batched(WRITE_LOOKUP);
  }

  /** Registers a writer of `k` in flight, before its source write (see `put`); answers the tag epoch now. */
  markWriter(k: ResolvedKey<TKey>, writer: string): Promise<GuardResult<string>> {
    return this.marks.run({
      writers: this.keys.writersKeyOfEnc(k.enc),
      epoch: this.keys.epochKeyOf(k.bucket),
      writer,
      ttlMs: WRITERS_TTL_MS,
    });
  }

  unmarkWriter(k: ResolvedKey<TKey>, writer: string): Promise<GuardResult<unknown>> {
    return this.guard.run("unmark-writer", (c) => c.call("SREM", this.keys.writersKeyOfEnc(k.enc), writer));
  }

  /**
   * Writes a value the source just took, or revokes it when it cannot tell (batched per tick); see
   * the put script. Its tag sets are joined first (a failure there writes nothing: answered as a
   * failed put, which the caller revokes later), its index entries written once it was.
   */
  async put(
    k: ResolvedKey<TKey>,
    entity: TEntity,
    value: {
      stored: StoredValue;
      pttl: number;
      version: string;
      writer: string;
      writerEpoch: string;
      proven: boolean;
      returnOld: boolean;
    },
  ) {
    const joined = await Promise.all(
      this.keys
        .tagKeysOfEntity(entity)
        .map((set) => this.lookups.run({ key: set, tag: true, member: k.valueKey, ttl: value.pttl })),
    );
    const failed = joined.find((r) => !r.ok);
    if (failed && !failed.ok) return failed;
    const r = await this.puts.run({
      value: k.valueKey,
      lease: k.leaseKey,
      writers: this.keys.writersKeyOfEnc(k.enc),
      epoch: this.keys.epochKeyOf(k.bucket),
      payload: value.stored,
      pttl: value.pttl,
      version: value.version,
      writer: value.writer,
      writerEpoch: value.writerEpoch,
      proven: value.proven,
      returnOld: value.returnOld,
    });
    if (r.ok && r.value.status === "written") {
      await Promise.all(
        this.keys
          .indexKeysOfEntity(entity)
          .map((index) => this.lookups.run({ key: index, tag: false, member: k.enc, ttl: value.pttl })),
      );
    }
    return r;
  }
}
