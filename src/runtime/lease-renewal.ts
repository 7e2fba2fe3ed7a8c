/**
 * Runs `work` (a load under a lease) while renewing the lease every third of its TTL: leaseTtlMs
 * bounds how long a lease outlives a dead holder, not how long a live holder's load may take. The
 * renewals stop when the work settles.
 */
export async function whileRenewing<T>(leaseTtlMs: number, renew: () => void, work: () => Promise<T>): Promise<T> {
  const renewal = setInterval(renew, Math.max(10, Math.floor(leaseTtlMs / 3)));
  renewal.unref();
  try {
    return await work();
  } finally {
    clearInterval(renewal);
  }
}
