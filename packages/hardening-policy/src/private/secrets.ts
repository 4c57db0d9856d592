/** Whether a variable's name says it holds a secret (a `*_FILE` variable holds the path of one: not a secret). */
export function isSecretName(name: string): boolean {
  if (/_FILE$/i.test(name)) return false;
  return /(PASSW(OR)?D|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|_AUTH$|^AUTH_)/i.test(name);
}

/** Whether a compose value is filled in by compose from the environment (`${NAME...}`), not written in the file. */
export function isInterpolated(value: string): boolean {
  return /\$\{[A-Za-z_][A-Za-z0-9_]*(:?\?[^}]*)?\}/.test(value) && !/\$\{[A-Za-z_][A-Za-z0-9_]*:?-/.test(value);
}

/** The literal password of a URL's userinfo (`scheme://user:password@host`), unless compose fills it in. */
export function literalUrlPassword(value: string): string | undefined {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:([^@\s]+)@/i.exec(value);
  if (!match) return undefined;
  return /^\$\{[A-Za-z_][A-Za-z0-9_]*:?\?[^}]*\}$/.test(match[1]) ? undefined : match[1];
}
