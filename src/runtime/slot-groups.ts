import { keySlot } from "./slots.js";

/**
 * Positions of `items` in groups that may share one command or script call: all in one group on a
 * standalone client, one group per cluster slot on a Cluster (`keyOf`: a key of the item; every key
 * of one item is in one slot).
 */
export function slotGroups<T>(clustered: boolean, items: readonly T[], keyOf: (item: T) => string): number[][] {
  if (items.length === 0) return [];
  if (!clustered || items.length === 1) return [items.map((_, i) => i)];
  const bySlot = new Map<number, number[]>();
  items.forEach((item, i) => {
    const slot = keySlot(keyOf(item));
    const group = bySlot.get(slot);
    if (group) group.push(i);
    else bySlot.set(slot, [i]);
  });
  return [...bySlot.values()];
}
