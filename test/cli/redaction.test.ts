import { describe, expect, it } from "vitest";
import { redactSecrets, redactUrl, secretsIn } from "../../src/cli/redaction.js";

describe("redacting Redis URLs", () => {
  it("masks the password of the user part and password-like query values, valid URL or not", () => {
    expect(redactUrl("redis://app:s3cret@cache:6379/2")).toBe("redis://app:***@cache:6379/2");
    expect(redactUrl("redis://:s3cret@cache:6379")).toBe("redis://:***@cache:6379");
    expect(redactUrl("redis://app:p@ss:w0rd@cache:notaport")).toBe("redis://app:***@cache:notaport");
    expect(redactUrl("http://app:s3cret@cache")).toBe("http://app:***@cache");
    expect(redactUrl("app:s3cret@cache:6379")).toBe("app:***@cache:6379");
    expect(redactUrl("rediss://cache:6380?db=2&password=s3cret&tls=true")).toBe(
      "rediss://cache:6380?db=2&password=***&tls=true",
    );
    expect(redactUrl("redis://cache?token=abc&apiKey=def&pwd=ghi")).toBe("redis://cache?token=***&apiKey=***&pwd=***");
  });

  it("leaves what is no secret: a user name alone, a URL without credentials, an e-mail address", () => {
    expect(redactUrl("redis://app@cache:6379")).toBe("redis://app@cache:6379");
    expect(redactUrl("redis://127.0.0.1:6379/0?db=1")).toBe("redis://127.0.0.1:6379/0?db=1");
    expect(redactSecrets("write to ada@example.com", [])).toBe("write to ada@example.com");
  });

  it("finds the secrets of an argument, as typed and decoded, and masks them anywhere in a message", () => {
    expect(secretsIn("redis://app:p%40ss@cache")).toEqual(["p%40ss", "p@ss"]);
    expect(secretsIn("redis://cache?password=s3cret")).toEqual(["s3cret", "s3cret"]);
    expect(secretsIn("--redis")).toEqual([]);
    const secrets = secretsIn("redis://app:pass word@cache");
    expect(redactSecrets("Unexpected argument 'redis://app:pass word@cache'", secrets)).not.toContain("pass word");
    expect(redactSecrets("cannot reach redis://cache:1?password=s3cret: connect ECONNREFUSED", [])).toBe(
      "cannot reach redis://cache:1?password=***: connect ECONNREFUSED",
    );
  });
});
