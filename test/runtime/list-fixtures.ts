// Users with a list `byTeam` (non-unique lookup), for the list tests: the User fixture's
// definition with `lists`, a repository with `listByTeam`, and a store with `loadListByTeam`.
import type { EntityDefinition, RepositoryOptions } from "cachegen/runtime";
import { holdPoint } from "../support/hold.js";
import type { User, UserKey, UserSource } from "./fixtures/user.js";
import { UserRepo, UserStoreWithMany, userVariant } from "./helpers.js";

export const TEAM_A = "0b5e6c1a-6f1c-4c9a-9d55-3f4f2b9d1e0a";
export const TEAM_B = "0b5e6c1a-6f1c-4c9a-9d55-3f4f2b9d1e0b";

export function usersWithTeamList(
  overrides: Partial<EntityDefinition<User, UserKey>> = {},
  maxItems = 1000,
): EntityDefinition<User, UserKey> {
  return userVariant({
    invalidates: [],
    lists: { byTeam: { fields: ["teamId"], load: "loadListByTeam", maxItems } },
    ...overrides,
  });
}

export class TeamListRepo extends UserRepo {
  constructor(definition: EntityDefinition<User, UserKey>, options: RepositoryOptions<UserSource>) {
    super(definition, options);
  }

  listByTeam(teamId: string): Promise<User[]> {
    return this.readList("byTeam", [teamId]);
  }
}

/** A user store that also answers lists by team, counting them; one list load can be held. */
export class TeamStore extends UserStoreWithMany {
  listLoads = 0;
  private holdList: (() => Promise<void>) | undefined;

  async loadListByTeam(teamId: string): Promise<User[]> {
    this.listLoads += 1;
    const rows = [...this.rows.values()].filter((row) => row.teamId === teamId).map((row) => structuredClone(row));
    const hold = this.holdList;
    this.holdList = undefined;
    if (hold) await hold();
    return rows;
  }

  /** Holds the next list load after it has read its rows, before it returns. */
  holdNextList(): { loaded: Promise<void>; release: () => void } {
    const point = holdPoint();
    this.holdList = point.arrive;
    return { loaded: point.arrived, release: point.release };
  }
}
