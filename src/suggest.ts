const MAX_DISTANCE = 2;

/**
 * The candidate closest to `input` (a case-only difference counts as closest), if within two
 * edits. A candidate that needs as many edits as `input` has letters is no suggestion at all.
 */
export function nearestName(input: string, candidates: readonly string[]): string | undefined {
  const lowered = input.toLowerCase();
  const sameButCase = candidates.find((candidate) => candidate.toLowerCase() === lowered);
  if (sameButCase !== undefined) return sameButCase;
  let best: string | undefined;
  let bestDistance = Math.min(MAX_DISTANCE, input.length - 1);
  for (const candidate of candidates) {
    const distance = editDistance(lowered, candidate.toLowerCase());
    if (distance <= bestDistance && (best === undefined || distance < bestDistance)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** `; did you mean \`ttl\`?`, or an empty string when nothing is close. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const suggestion = nearestName(input, candidates);
  return suggestion === undefined ? "" : `; did you mean \`${suggestion}\`?`;
}

/** Levenshtein distance. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
