// Small numeric helpers.

export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** b / a to 3 decimals, or null when either is missing or a is 0. */
export function ratio(b, a) {
  if (!Number.isFinite(b) || !Number.isFinite(a) || a === 0) return null;
  return Number((b / a).toFixed(3));
}

export const round = (value, digits = 1) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : null);

/** Milliseconds since `t0` (a process.hrtime.bigint()). */
export const elapsedMs = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
