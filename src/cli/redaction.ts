import type { Command } from "./command.js";
import type { Output, Terminal } from "./terminal.js";

const MASK = "***";

/** Query parameters whose value is a secret: ioredis reads `password` from the query, and people write the others. */
const SECRET_PARAMETER = /pass|pwd|secret|token|auth|credential|key/i;

/** A `?name=value` or `&name=value` pair; punctuation that ends a sentence (`: `, `, `) ends the value too. */
const QUERY_PAIR = /([?&;])([^=&#\s"'`]*)=((?:[^&#\s"'`,;:]|[,;:](?!\s|$))*)/g;

/** Text shaped like `[scheme://]userinfo@host...`: a URL (or a URL-like mistake) that may carry a password. */
const WITH_USER_PART = /[^\s"'`<>()]*@[^\s"'`<>()]*/g;

/**
 * A URL as it may be printed: the password of its user part (`user:***@`) and every password-like
 * query parameter (`?password=***`) masked. Works on text that is not a valid URL too (a port that is
 * not a number, another scheme, no scheme at all), which is when a URL gets echoed in an error.
 */
export function redactUrl(text: string): string {
  const password = passwordPlace(text);
  const redacted = password === undefined ? text : `${text.slice(0, password.start)}${MASK}${text.slice(password.end)}`;
  return redacted.replace(QUERY_PAIR, (pair, separator: string, name: string) =>
    SECRET_PARAMETER.test(name) ? `${separator}${name}=${MASK}` : pair,
  );
}

/** The secrets a command-line argument (or REDIS_URL) may carry: its user part's password and password-like query values, as typed and decoded. */
export function secretsIn(text: string): string[] {
  const password = passwordPlace(text);
  const secrets = password === undefined ? [] : [text.slice(password.start, password.end)];
  for (const [, , name = "", value = ""] of text.matchAll(QUERY_PAIR))
    if (SECRET_PARAMETER.test(name)) secrets.push(value);
  return secrets.flatMap((secret) => [secret, decoded(secret)]).filter((secret) => secret.length >= 3);
}

/**
 * Where the password of `[scheme://]user:password@host` is: after the user part's first `:`, up to
 * its last `@` (a password may hold `@`), whether or not the rest parses as a URL.
 */
function passwordPlace(text: string): { start: number; end: number } | undefined {
  const at = text.lastIndexOf("@");
  if (at < 0) return undefined;
  const scheme = /^([a-z][a-z0-9+.-]*:)?\/\//i.exec(text)?.[0] ?? "";
  const colon = text.slice(scheme.length, at).indexOf(":");
  return colon < 0 ? undefined : { start: scheme.length + colon + 1, end: at };
}

/** `text` with every URL's password and every occurrence of `secrets` masked. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let redacted = text.replace(WITH_USER_PART, redactUrl).replace(QUERY_PAIR, (pair) => redactUrl(pair));
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) redacted = redacted.split(secret).join(MASK);
  return redacted;
}

/**
 * Runs a command that takes a Redis URL so that nothing it prints or throws (usage errors included)
 * holds a password given in its arguments or in REDIS_URL, whatever path the message takes.
 */
export function withoutSecrets(run: Command["run"]): Command["run"] {
  return async (args, terminal) => {
    const secrets = [...args, process.env.REDIS_URL ?? ""].flatMap(secretsIn);
    const clean = (text: string) => redactSecrets(text, secrets);
    try {
      return await run(args, {
        cwd: terminal.cwd,
        out: redacting(terminal.out, clean),
        err: redacting(terminal.err, clean),
      } satisfies Terminal);
    } catch (error) {
      if (error instanceof Error) {
        error.message = clean(error.message);
        if (error.stack !== undefined) error.stack = clean(error.stack);
      }
      throw error;
    }
  };
}

function redacting(output: Output, clean: (text: string) => string): Output {
  return { ...output, line: (text = "") => output.line(clean(text)) };
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
