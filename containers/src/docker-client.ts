import { DOCKER_CLI } from './paths';
import { RunOptions, RunResult, run } from './run';

/** Where the harness's engine listens, and the client configuration isolated from the user's ~/.docker. */
export interface EngineEndpoint {
  /** `unix:///...docker.sock` */
  readonly host: string;
  /** DOCKER_CONFIG: an empty client config, so no credential helper or context of the user's is used. */
  readonly config: string;
}

/**
 * Debian's docker client (20.10) pointed at the harness's own engine, never at another one: DOCKER_HOST and
 * DOCKER_CONFIG are set for each command; contexts and TLS settings from the environment are dropped.
 */
export class DockerClient {
  public constructor(public readonly endpoint: EngineEndpoint) {}

  /** The environment of every docker command. */
  public get env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of ['DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_DEFAULT_PLATFORM']) delete env[name];
    return { ...env, DOCKER_HOST: this.endpoint.host, DOCKER_CONFIG: this.endpoint.config, DOCKER_BUILDKIT: '1', BUILDKIT_PROGRESS: 'plain' };
  }

  /** Runs `docker ARGS` against the harness's engine. */
  public run(args: readonly string[], options: Partial<RunOptions> = {}): Promise<RunResult> {
    return run(DOCKER_CLI, args, { timeoutMs: 60_000, ...options, env: { ...this.env, ...(options.env ?? {}) } });
  }

  /** `docker ARGS`, trimmed stdout. */
  public async out(args: readonly string[], options: Partial<RunOptions> = {}): Promise<string> {
    return (await this.run(args, options)).stdout.trim();
  }

  /** `docker inspect` of one object, parsed. */
  public async inspect<T = any>(name: string, type?: 'container' | 'image' | 'network'): Promise<T> {
    const args = type ? [type, 'inspect', name] : ['inspect', name];
    return (JSON.parse(await this.out(args)) as T[])[0];
  }

  /** Whether an image exists locally. */
  public async hasImage(reference: string): Promise<boolean> {
    return (await this.run(['image', 'inspect', reference], { allowFailure: true })).code === 0;
  }
}
