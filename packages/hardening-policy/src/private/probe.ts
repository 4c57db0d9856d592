/** Where a health probe connects: the port (or the variable that gives it, with its default) and the path. */
export interface ProbeTarget {
  readonly port?: number;
  /** The environment variable the probe reads its port from, when it does. */
  readonly portVariable?: string;
  readonly path?: string;
}

/**
 * The endpoint an HTTP health probe requests, read from its command: a URL (`curl http://127.0.0.1:8000/health`,
 * `wget`, Python's urllib) or Keelson's probe, which reads the port from an environment variable with a default
 * (`os.environ.get('PORT', '8000') + '/health'`). Undefined when the command is not an HTTP probe it can read.
 */
export function probeTarget(argv: readonly string[]): ProbeTarget | undefined {
  const text = argv.join(' ');
  const fromEnv = /environ\.get\(\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]\s*,\s*['"](\d+)['"]\s*\)\s*\+\s*['"](\/[^'"]*)['"]/.exec(text);
  if (fromEnv) return { portVariable: fromEnv[1], port: Number(fromEnv[2]), path: fromEnv[3] };
  const url = /https?:\/\/(?:\[[^\]]+\]|[A-Za-z0-9.-]+)(?::(\d+|\$\{?([A-Za-z_][A-Za-z0-9_]*)(?::-(\d+))?\}?))?(\/[^\s'"?#]*)?/.exec(text);
  if (url) {
    const [, portText, variable, fallback, path] = url;
    if (variable) return { portVariable: variable, port: fallback ? Number(fallback) : undefined, path: path ?? '/' };
    return { port: portText ? Number(portText) : /^https/.test(url[0]) ? 443 : 80, path: path ?? '/' };
  }
  return undefined;
}

/** The port a `host:port` bind (or `[v6]:port`, or `unix:` socket) names. */
export function bindPort(bind: string): number | undefined {
  const match = /:(\d+)$/.exec(bind);
  return match ? Number(match[1]) : undefined;
}
