import { KeelsonConfigError } from '@keelson/core';
import { stringify } from 'yaml';

/** One vulnerability the scan gate accepts, for a reason and until a date. */
export interface TrivyIgnoreEntry {
  /** The vulnerability id, e.g. `CVE-2024-6345` or `GHSA-xxxx-xxxx-xxxx`. */
  readonly id: string;
  /** Why it is acceptable (written as Trivy's `statement`). */
  readonly reason: string;
  /** The day the acceptance ends, `YYYY-MM-DD` (Trivy's `expired_at`); after it the gate fails again. */
  readonly expires: string;
  /**
   * Only for these paths inside the image.
   * @default - everywhere in the image
   */
  readonly paths?: string[];
}

const ID = /^(CVE-\d{4}-\d{4,}|GHSA(-[23456789cfghjmpqrvwx]{4}){3}|[A-Z][A-Z0-9]*-[A-Za-z0-9.:_-]+)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Checks one entry; throws a KeelsonConfigError naming `ignore[index].<field>`. */
export function checkIgnoreEntry(entry: TrivyIgnoreEntry, index: number): void {
  const at = `ignore[${index}]`;
  if (typeof entry.id !== 'string' || !ID.test(entry.id)) {
    throw new KeelsonConfigError(`${at}.id`, `is '${entry.id}', which is not a vulnerability id`,
      "give the id Trivy reports, e.g. 'CVE-2024-6345' or 'GHSA-xxxx-xxxx-xxxx'");
  }
  if (typeof entry.reason !== 'string' || entry.reason.trim() === '') {
    throw new KeelsonConfigError(`${at}.reason`, `is missing for ${entry.id}`,
      'say why the vulnerability is acceptable (e.g. "the vulnerable function is never called"): an ignore without a reason is not reviewable');
  }
  const date = typeof entry.expires === 'string' ? DATE.exec(entry.expires) : null;
  const valid = date !== null && (() => {
    const d = new Date(`${entry.expires}T00:00:00Z`);
    return !isNaN(d.getTime()) && d.toISOString().startsWith(entry.expires);
  })();
  if (!valid) {
    throw new KeelsonConfigError(`${at}.expires`, entry.expires === undefined ? `is missing for ${entry.id}` : `is '${entry.expires}', which is not a date`,
      "give the day the acceptance ends as 'YYYY-MM-DD', e.g. '2027-03-31': an ignore without an expiry is permanent");
  }
}

/** The `.trivyignore.yaml` document. */
export function renderTrivyIgnore(entries: readonly TrivyIgnoreEntry[]): string {
  const doc = {
    vulnerabilities: entries.map((e) => ({
      id: e.id,
      ...(e.paths && e.paths.length > 0 ? { paths: [...e.paths] } : {}),
      statement: e.reason,
      expired_at: e.expires,
    })),
  };
  return stringify(doc, { lineWidth: 0 });
}
