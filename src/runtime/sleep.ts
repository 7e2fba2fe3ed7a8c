/** Resolves after `ms`. With `unref`, the timer alone does not keep the process alive (background waits). */
export function sleep(ms: number, unref = false): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    if (unref) timer.unref();
  });
}
