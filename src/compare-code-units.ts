/** Code-unit order: the same on every machine, unlike `localeCompare`, so output stays deterministic. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
