import { KeelsonConfigError } from '@keelson/core';

/** Trivy's severities, lowest first. */
export const SEVERITIES = ['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;

/** A Trivy severity. */
export type Severity = typeof SEVERITIES[number];

/** The severities at or above `threshold`, as Trivy's `--severity` takes them. Throws on an unknown severity. */
export function severitiesFrom(threshold: string, option = 'failOn'): Severity[] {
  const index = SEVERITIES.indexOf(threshold as Severity);
  if (index < 0) {
    throw new KeelsonConfigError(option, `is '${threshold}', which is not a Trivy severity`,
      `choose one of ${SEVERITIES.map((s) => `'${s}'`).join(', ')}`);
  }
  return SEVERITIES.slice(index);
}
