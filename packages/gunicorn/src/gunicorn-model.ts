/** A Python value Keelson can write as a literal. */
export type PythonLiteral = string | number | boolean | null | readonly PythonLiteral[];

/** An environment variable a setting reads when gunicorn loads the file. */
export interface EnvOverride {
  /** The variable, e.g. `PORT`. */
  readonly name: string;
  /** What it sets, for the file's header. */
  readonly description: string;
  /** The value without it, as the header shows it. */
  readonly default: string;
}

/** One gunicorn setting of `gunicorn.conf.py`: `name = <python>`. */
export interface GunicornSetting {
  /** The setting's name as gunicorn spells it, e.g. `keepalive`. */
  readonly name: string;
  /**
   * The value gunicorn gets when no environment override is set; `null` when it is only known at start (the
   * worker count) or is not a literal (a hook, a logging dict). What validations and the policy inspect.
   */
  readonly value: PythonLiteral;
  /**
   * The Python expression written, when it is not the literal `value`: it reads an environment override or
   * calls one of the file's private helpers.
   * @default - the literal `value`
   */
  readonly expression?: string;
  /**
   * Environment variables the expression reads at start.
   * @default - none
   */
  readonly env?: readonly EnvOverride[];
  /**
   * Why the value is what it is, written above it.
   * @default - no comment
   */
  readonly comment?: string;
}

/** The run-time worker sizing the file computes when gunicorn loads it. */
export interface WorkerSizing {
  /** `per-cpu` (event-loop and threaded workers: one per CPU, at least 2) or `2n+1` (sync workers). */
  readonly formula: 'per-cpu' | '2n+1';
  /** A fixed count instead of the formula (WEB_CONCURRENCY still overrides it); null to compute it. */
  readonly fixedWorkers: number | null;
  /** The memory one worker is budgeted, in MiB. */
  readonly memoryPerWorkerMiB: number;
  /** MiB kept for the master process and tmpfs before workers are counted. */
  readonly reserveMiB: number;
  /** The declared memory limit, used when the container runs without a cgroup memory limit; null for none. */
  readonly declaredMemoryMiB: number | null;
  /**
   * The proxy's upstream idle timeout: a keep-alive at or below it (from an override) is reported at start.
   * null without a proxy, or for a worker class without keep-alive.
   */
  readonly proxyIdleTimeoutSeconds: number | null;
}

/**
 * The in-memory model of `gunicorn.conf.py`: the sizing parameters and the settings in the order they are
 * written. It is the escape hatch: what you change here is what is validated and written.
 */
export class GunicornConfigModel {
  public readonly settings: GunicornSetting[] = [];

  public constructor(public sizing: WorkerSizing) {}

  /** The setting called `name`, if present. */
  public get(name: string): GunicornSetting | undefined {
    return this.settings.find((s) => s.name === name);
  }

  /** Adds a setting, or replaces the one with the same name in place. */
  public set(setting: GunicornSetting): this {
    const index = this.settings.findIndex((s) => s.name === setting.name);
    if (index >= 0) this.settings[index] = setting;
    else this.settings.push(setting);
    return this;
  }

  /** Removes the setting called `name`; returns whether there was one. */
  public remove(name: string): boolean {
    const index = this.settings.findIndex((s) => s.name === name);
    if (index < 0) return false;
    this.settings.splice(index, 1);
    return true;
  }

  /** Every environment variable the settings read at start, in order, without repeats. */
  public get envOverrides(): EnvOverride[] {
    const seen = new Map<string, EnvOverride>();
    for (const env of this.settings.flatMap((s) => s.env ?? [])) if (!seen.has(env.name)) seen.set(env.name, env);
    return [...seen.values()];
  }
}
