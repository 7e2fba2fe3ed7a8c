import { randomUUID } from "node:crypto";
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
