import { ComposeSpecification, Network, Secret, Service, Volume } from './private/compose-spec.generated';

export type { ComposeSpecification, Network, Secret, Service, Volume } from './private/compose-spec.generated';

/** Which file a service, a value or an override is for. */
export type ComposeEnvironment = 'development' | 'production';

/** Every environment, in the order the files are written. */
export const COMPOSE_ENVIRONMENTS: readonly ComposeEnvironment[] = ['development', 'production'];

/** A value that is the same in both files, or differs between them. */
export type PerEnvironment<T> = T | { readonly development: T; readonly production: T };

/** The value of `value` for `environment`. */
export function forEnvironment<T>(value: PerEnvironment<T>, environment: ComposeEnvironment): T {
  if (typeof value === 'object' && value !== null && ('development' in value || 'production' in value)) {
    return (value as { development: T; production: T })[environment];
  }
  return value as T;
}

/** The document of one compose file, with its maps present. */
export interface ComposeDocument extends ComposeSpecification {
  services: { [name: string]: Service };
  networks: { [name: string]: Network };
  volumes: { [name: string]: Volume };
  secrets: { [name: string]: Secret };
}

/**
 * The in-memory model of one compose file: the document, typed by the Compose Specification's schema, and the
 * comments written beside it. Components build it at construction; escape hatches change it (`file.service('app')`);
 * it is rendered as is at synth, after the whole-tree checks have read this same model.
 */
export class ComposeFile {
  public readonly document: ComposeDocument = { services: {}, networks: {}, volumes: {}, secrets: {} };
  /** Lines written at the top of the file, after the generated-file header. */
  public readonly header: string[] = [];
  private readonly comments = new Map<string, string>();

  public constructor(
    /** `development` (compose.yaml) or `production` (compose.prod.yaml). */
    public readonly environment: ComposeEnvironment,
    /** The file, relative to the project root. */
    public readonly path: string,
  ) {}

  /** The service called `name`, if the file has one. */
  public service(name: string): Service | undefined {
    return this.document.services[name];
  }

  /** Names of the file's services, in the order they are written. */
  public get serviceNames(): string[] {
    return Object.keys(this.document.services);
  }

  /** Adds a network, or merges `spec` into the one of that name. */
  public addNetwork(name: string, spec: Network = {}): void {
    this.document.networks[name] = { ...(this.document.networks[name] ?? {}), ...spec };
  }

  /** Adds a named volume (if absent). */
  public addVolume(name: string, spec: Volume = {}): void {
    this.document.volumes[name] ??= spec;
  }

  /** Adds a secret (if absent). */
  public addSecret(name: string, spec: Secret): void {
    this.document.secrets[name] ??= spec;
  }

  /** Sets the comment written above the key at `path`, e.g. `['services', 'postgres', 'command']`. */
  public setComment(path: readonly string[], text: string): void {
    this.comments.set(path.join('\u0000'), text);
  }

  /** The comment above the key at `path`, if any. */
  public commentAt(path: readonly string[]): string | undefined {
    return this.comments.get(path.join('\u0000'));
  }

  /** Every comment, with its path. */
  public get allComments(): Array<[string[], string]> {
    return [...this.comments.entries()].map(([key, text]) => [key.split('\u0000'), text]);
  }
}
