import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Profile } from "../generated/index.js";

const STATUSES = ["active", "suspended", "pending"] as const;

/** A Profile of ~500 bytes stored (JSON), deterministic apart from the id. */
export function makeProfile(i: number, id: string = randomUUID()): Profile {
  const created = Date.UTC(2023, 0, 1) + i * 61_000;
  return {
    id,
    email: `user${i}@example.com`,
    name: `Ada Lovelace ${i}`,
    bio: "Mathematician and writer, chiefly known for her work on the Analytical Engine; the first to see that a computer could do more than calculate. Likes tea.",
    age: 20 + (i % 60),
    score: Math.round((i * 7.31) % 1000) / 10,
    active: i % 5 !== 0,
    roles: ["reader", "writer", i % 3 === 0 ? "admin" : "member"],
    status: STATUSES[i % 3]!,
    address: {
      street: `${100 + (i % 900)} Analytical Engine Road`,
      city: "London",
      postcode: "SW1A 1AA",
      country: "GB",
    },
    createdAt: new Date(created),
    updatedAt: new Date(created + 3_600_000),
  };
}

/** What a hand-written client does to a parsed Profile: its two datetimes back to Dates. */
export function reviveDates(value: Record<string, unknown>): Profile {
  value.createdAt = new Date(value.createdAt as string);
  value.updatedAt = new Date(value.updatedAt as string);
  return value as unknown as Profile;
}

const UUID = z.regexes.uuid();
const EMAIL = z.regexes.email;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

function invalid(path: string): never {
  throw new TypeError(`not a Profile: ${path}`);
}

function datetime(value: unknown, path: string): Date {
  if (typeof value !== "string" || !ISO_DATETIME.test(value)) invalid(path);
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) invalid(path);
  return date;
}

function text(value: unknown, path: string): string {
  return typeof value === "string" ? value : invalid(path);
}

/**
 * A parsed Profile checked as typia's `assert` checks it (straight-line code per field, no schema
 * walk; the same formats as the generated zod schema) and its datetimes revived: the fastest
 * hand-validated client one could write over JSON text, for the baseline rows "typia-style".
 */
export function checkProfile(value: unknown): Profile {
  if (typeof value !== "object" || value === null) invalid("(root)");
  const v = value as Record<string, unknown>;
  if (typeof v.id !== "string" || !UUID.test(v.id)) invalid("id");
  if (typeof v.email !== "string" || !EMAIL.test(v.email)) invalid("email");
  text(v.name, "name");
  text(v.bio, "bio");
  if (!Number.isSafeInteger(v.age)) invalid("age");
  if (typeof v.score !== "number" || !Number.isFinite(v.score)) invalid("score");
  if (typeof v.active !== "boolean") invalid("active");
  if (!Array.isArray(v.roles)) invalid("roles");
  for (let i = 0; i < v.roles.length; i++) text(v.roles[i], `roles.${i}`);
  if (v.status !== "active" && v.status !== "suspended" && v.status !== "pending") invalid("status");
  const address = v.address;
  if (typeof address !== "object" || address === null) invalid("address");
  const a = address as Record<string, unknown>;
  text(a.street, "address.street");
  text(a.city, "address.city");
  text(a.postcode, "address.postcode");
  text(a.country, "address.country");
  v.createdAt = datetime(v.createdAt, "createdAt");
  v.updatedAt = datetime(v.updatedAt, "updatedAt");
  return v as unknown as Profile;
}
