/**
 * A point code under test stops at, to force an interleaving: the code awaits `arrive()`; the test
 * awaits `arrived`, does what must happen meanwhile, then calls `release()`.
 */
export function holdPoint(): { arrive: () => Promise<void>; arrived: Promise<void>; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let reached!: () => void;
  const arrived = new Promise<void>((resolve) => (reached = resolve));
  return {
    arrive: () => {
      reached();
      return gate;
    },
    arrived,
    release,
  };
}
