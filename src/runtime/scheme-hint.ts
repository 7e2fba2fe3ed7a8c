import { connect as connectTcp, isIP } from "node:net";
import { connect as connectTls } from "node:tls";
import type { CommandClient } from "./command-client.js";

/** A probe answers within this, or says nothing. */
const PROBE_TIMEOUT_MS = 1_000;
/** At most one probe per client per this long (a client that never connects keeps reconnecting). */
const PROBE_INTERVAL_MS = 10_000;

interface HintState {
  hint: string;
  probedAt: number;
  probing: boolean;
}

const states = new WeakMap<object, HintState>();

/** What an ioredis standalone client was told to connect to (a Cluster or a Sentinel client is not probed). */
interface ClientTarget {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

function targetOf(client: CommandClient): ClientTarget | undefined {
  if (client.isCluster) return undefined;
  const options = (
    client as { options?: { host?: unknown; port?: unknown; tls?: unknown; sentinels?: unknown; path?: unknown } }
  ).options;
  if (!options || options.sentinels || options.path) return undefined;
  if (typeof options.host !== "string" || typeof options.port !== "number") return undefined;
  return { host: options.host, port: options.port, tls: options.tls !== undefined && options.tls !== null };
}

/**
 * Why a client that has never been ready cannot connect, when the scheme is the reason: a plaintext
 * client at a port that speaks TLS (the server hangs up on it), or a TLS client at a plaintext port
 * (the handshake gets no answer). Learnt by one probe of our own (a TLS handshake, or a PING),
 * started when the client's first attempt fails (its first `close`, unless it was ready before) and
 * again at most every PROBE_INTERVAL_MS while it keeps failing; "" until then, or when the scheme is
 * not the problem. Only "close" and "ready" are listened to: the client's "error" events stay the
 * application's.
 */
export function schemeHint(client: CommandClient): string {
  const target = targetOf(client);
  const state = target && watchScheme(client, target);
  if (!target || !state) return "";
  // "reconnecting", "close", "end": an attempt failed (a first connect still under way says nothing yet)
  if (client.status === "reconnecting" || client.status === "close" || client.status === "end") probe(target, state);
  return state.hint;
}

/** Starts watching a client that is not ready yet, so a probe starts at its first failed attempt (a repository does so when it is created). */
export function watchSchemeOf(client: CommandClient): void {
  const target = targetOf(client);
  if (target && client.status !== "ready") watchScheme(client, target);
}

function watchScheme(client: CommandClient, target: ClientTarget): HintState {
  let state = states.get(client);
  if (!state) {
    const created: HintState = { hint: "", probedAt: Number.NEGATIVE_INFINITY, probing: false };
    states.set(client, created);
    const onClose = (): void => probe(target, created);
    client.once("close", onClose);
    client.once("ready", () => client.off?.("close", onClose));
    state = created;
  }
  return state;
}

function probe(target: ClientTarget, state: HintState): void {
  const now = Date.now();
  if (state.probing || now - state.probedAt < PROBE_INTERVAL_MS) return;
  state.probing = true;
  state.probedAt = now;
  void probeScheme(target).then((hint) => {
    state.hint = hint;
    state.probing = false;
  });
}

function probeScheme(target: ClientTarget): Promise<string> {
  const where = `${target.host}:${target.port}`;
  return target.tls
    ? answersPlaintext(target).then((plain) =>
        plain ? `: the server at ${where} does not speak TLS: use redis:// (no tls option), or its TLS port` : "",
      )
    : speaksTls(target).then((tls) =>
        tls ? `: the server at ${where} speaks TLS: use rediss:// (or the tls option, with its CA)` : "",
      );
}

/** Whether a TLS handshake with the port completes (any certificate accepted: only the scheme is asked). */
function speaksTls({ host, port }: ClientTarget): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTls({ host, port, rejectUnauthorized: false, ...(isIP(host) === 0 && { servername: host }) });
    const finish = (answer: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => finish(false), PROBE_TIMEOUT_MS);
    socket.once("secureConnect", () => finish(true));
    socket.once("error", () => finish(false));
    socket.once("close", () => finish(false));
  });
}

/** Whether the port answers a plaintext PING with a RESP reply (`+PONG`, or an error such as `-NOAUTH`). */
function answersPlaintext({ host, port }: ClientTarget): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host, port });
    const finish = (answer: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => finish(false), PROBE_TIMEOUT_MS);
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data: Buffer) => finish(data[0] === 0x2b || data[0] === 0x2d));
    socket.once("error", () => finish(false));
    socket.once("close", () => finish(false));
  });
}
