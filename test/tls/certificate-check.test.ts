import { describe, expect, it } from "vitest";
import { certificateCheck, EXPIRY_WARNING_DAYS } from "../../src/redis-checks/certificate-check.js";
import type { TlsProbe } from "../../src/redis-checks/tls-probe.js";

const DAY_MS = 86_400_000;
const now = Date.parse("2026-06-01T12:00:00.000Z");

function probe(validTo: number, verifyError?: string): TlsProbe {
  return {
    certificate: {
      subject: "CN=cache.internal",
      issuer: "CN=Ops CA",
      altNames: "DNS:cache.internal",
      validTo: new Date(validTo),
    },
    verifyError,
    refusal: undefined,
  };
}

describe("doctor's certificate check", () => {
  it("ok from 30 days left, a warning below, an error once expired", () => {
    expect(certificateCheck(probe(now + EXPIRY_WARNING_DAYS * DAY_MS), "cache.internal", now)).toEqual({
      name: "certificate",
      severity: "ok",
      message:
        "CN=cache.internal (DNS:cache.internal), issued by CN=Ops CA, valid until 2026-07-01 (30 days left); trusted for cache.internal",
    });
    expect(certificateCheck(probe(now + EXPIRY_WARNING_DAYS * DAY_MS - 1), "cache.internal", now)).toMatchObject({
      severity: "warn",
      message: expect.stringMatching(
        /^CN=cache\.internal .*, valid until 2026-07-01 \(29 days left\): renew it before then/,
      ),
    });
    expect(certificateCheck(probe(now + DAY_MS), "cache.internal", now).message).toContain("(1 day left)");
    expect(certificateCheck(probe(now + 1), "cache.internal", now).message).toContain("(less than a day left)");
    expect(certificateCheck(probe(now), "cache.internal", now)).toEqual({
      name: "certificate",
      severity: "error",
      message:
        "CN=cache.internal (DNS:cache.internal), issued by CN=Ops CA, expired on 2026-06-01 (less than a day ago)",
    });
    expect(certificateCheck(probe(now - 3 * DAY_MS - 1), "cache.internal", now).message).toContain(
      "expired on 2026-05-29 (3 days ago)",
    );
  });

  it("a certificate this client refuses is an error naming why", () => {
    expect(certificateCheck(probe(now + 90 * DAY_MS, "ERR_TLS_CERT_ALTNAME_INVALID"), "10.0.0.5", now)).toEqual({
      name: "certificate",
      severity: "error",
      message:
        "CN=cache.internal (DNS:cache.internal), issued by CN=Ops CA, valid until 2026-08-30 (90 days left); not trusted here (ERR_TLS_CERT_ALTNAME_INVALID)",
    });
  });

  it("no handshake: a warning, not a crash", () => {
    expect(certificateCheck(undefined, "cache.internal", now).severity).toBe("warn");
  });
});
