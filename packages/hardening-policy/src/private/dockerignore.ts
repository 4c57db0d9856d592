/** A .dockerignore pattern as a regular expression over context paths (Go filepath.Match plus `**`). */
function patternRegex(pattern: string): RegExp {
  const clean = pattern.replace(/^\/+/, '').replace(/\/+$/, '');
  let out = '';
  for (let i = 0; i < clean.length; i++) {
    const c = clean[i];
    if (c === '*' && clean[i + 1] === '*') {
      out += clean[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += clean[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = clean.indexOf(']', i);
      if (end < 0) out += '\\[';
      else { out += `[${clean.slice(i + 1, end).replace(/^!/, '^')}]`; i = end; }
    } else out += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  // A pattern matching a directory excludes everything below it.
  return new RegExp(`^${out}(?:/.*)?$`);
}

/** Whether docker leaves `path` (relative to the context) out of the build context: the last matching pattern wins. */
export function isIgnored(path: string, patterns: readonly string[]): boolean {
  let ignored = false;
  for (const raw of patterns) {
    const pattern = raw.trim();
    if (pattern === '' || pattern.startsWith('#')) continue;
    const negated = pattern.startsWith('!');
    if (patternRegex(negated ? pattern.slice(1) : pattern).test(path)) ignored = !negated;
  }
  return ignored;
}
