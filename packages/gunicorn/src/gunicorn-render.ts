import { GunicornConfigModel, PythonLiteral } from './gunicorn-model';
import { PYTHON_JSON_ACCESS_LOG, PYTHON_PRELUDE } from './private/python-helpers';

/** What the header says about the file besides the model: who it is for and what runs it. */
export interface GunicornRenderContext {
  /** One line: the project, gunicorn's version and the worker class, e.g. for the header's first line. */
  readonly title: string;
}

/** A Python literal: strings as JSON (valid Python), booleans and None spelled Python's way. */
export function pythonLiteral(value: PythonLiteral): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as a Python literal`);
    return String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  return `[${value.map(pythonLiteral).join(', ')}]`;
}

/** The body of `gunicorn.conf.py` (GeneratedFile adds the marker header above it). */
export function renderGunicornConfig(model: GunicornConfigModel, context: GunicornRenderContext): string {
  const s = model.sizing;
  const perWorker = `(memory limit - ${s.reserveMiB} MiB reserve) / ${s.memoryPerWorkerMiB} MiB per worker`;
  const memorySource = 'cgroup memory.max (v2) or memory.limit_in_bytes (v1)'
    + (s.declaredMemoryMiB === null ? '' : `, else the declared ${s.declaredMemoryMiB} MiB`);
  const lines: string[] = [
    `# ${context.title}`,
    '# Loads on gunicorn 20.1 and later. gunicorn reads only the names of its settings below; every helper name',
    '# starts with "_" so that none is ever taken for a setting.',
    '#',
  ];
  if (s.fixedWorkers !== null) {
    lines.push(`# Workers: ${s.fixedWorkers}, fixed in .projenrc.ts; WEB_CONCURRENCY overrides it.`);
  } else {
    lines.push(
      '# Workers: computed when gunicorn starts, inside the container, from what it is actually granted:',
      '#   CPUs      = the cgroup CPU quota (v2 cpu.max, v1 cpu.cfs_quota_us / cpu.cfs_period_us, the tightest from',
      '#               this cgroup up), never more than the CPUs this process may run on (affinity), else the CPU count',
      s.formula === '2n+1'
        ? '#   by CPU    = 2 x CPUs + 1, rounded up (a sync worker waits on every I/O)'
        : '#   by CPU    = one per CPU, rounded up, at least 2 (an event loop keeps one CPU busy; a second worker\n'
          + '#               serves while one is replaced, restarted or blocked)',
      `#   by memory = ${perWorker}`,
      `#               memory limit = ${memorySource}`,
      '#   workers   = min(by CPU, by memory), at least 1; WEB_CONCURRENCY overrides it. Logged once at start.',
    );
  }
  const env = model.envOverrides;
  if (env.length > 0) {
    lines.push('#', '# Environment overrides, read at start (a bad value stops gunicorn with the reason):');
    const nameWidth = Math.max(...env.map((e) => e.name.length));
    const descriptionWidth = Math.max(...env.map((e) => e.description.length));
    for (const e of env) {
      lines.push(`#   ${e.name.padEnd(nameWidth)}  ${e.description.padEnd(descriptionWidth)}  default: ${e.default}`);
    }
  }
  lines.push(
    '# gunicorn\'s own command-line options and GUNICORN_CMD_ARGS override everything in this file.',
    '',
    PYTHON_PRELUDE.trimEnd(),
    '',
    '',
    '# ---- Sizing parameters, from .projenrc.ts ----',
    `_FORMULA = ${pythonLiteral(s.formula)}`,
    `_FIXED_WORKERS = ${pythonLiteral(s.fixedWorkers)}`,
    `_MEMORY_PER_WORKER_MIB = ${pythonLiteral(s.memoryPerWorkerMiB)}`,
    `_RESERVE_MIB = ${pythonLiteral(s.reserveMiB)}`,
    `_DECLARED_MEMORY_MIB = ${pythonLiteral(s.declaredMemoryMiB)}`,
    `_PROXY_IDLE_TIMEOUT = ${pythonLiteral(s.proxyIdleTimeoutSeconds)}`,
  );
  if (model.settings.some((setting) => setting.expression?.includes('_json_logconfig('))) {
    lines.push(PYTHON_JSON_ACCESS_LOG.trimEnd());
  }
  lines.push(
    '',
    '# KEELSON_CGROUP_ROOT points the sizing at another cgroup mount (tests, unusual hosts).',
    '_SIZING = _size(_os.environ, _os.environ.get("KEELSON_CGROUP_ROOT", "/sys/fs/cgroup"), "/proc/self/cgroup")',
    '',
    '',
    '# ---- Settings ----',
  );
  for (const setting of model.settings) {
    lines.push('');
    for (const commentLine of (setting.comment ?? '').split('\n').filter((l) => l.length > 0)) lines.push(`# ${commentLine}`);
    lines.push(`${setting.name} = ${setting.expression ?? pythonLiteral(setting.value)}`);
  }
  return `${lines.join('\n')}\n`;
}
