import { posix } from 'path';
import { IContainerImage, KeelsonConfigError, ResourceLimits } from '@keelson/core';
import { PerEnvironment } from '../compose-file';
import { ComposeServiceProps, ServiceEnvironmentProps, ServiceSecret } from '../compose-service';
import { ComposeText, ComposeValue } from '../compose-value';

/** What every service run from the app's image shares: how to build it, who it runs as, its environment. */
export interface AppImageContext {
  /** The app's image (the Dockerfile component implements it). */
  readonly image: IContainerImage;
  /** The repository of the built image, e.g. `my-service`: the image is `${APP_IMAGE:-my-service:local}`. */
  readonly imageName: string;
  /** Variables every role gets: database, Redis, broker and mail URLs, and the user's own. */
  readonly environment: Record<string, PerEnvironment<ComposeText | undefined>>;
  /** Secrets every role mounts in production (password files). */
  readonly productionSecrets: ServiceSecret[];
  /** Why each capability the image's security profile adds back is needed. */
  readonly capabilityReasons?: Record<string, string>;
  /** Project paths mounted read-only into the working directory in development, e.g. `['app']`. */
  readonly codePaths: string[];
}

/** One role of the image: its networks per file and its limits. */
export interface AppImageRole {
  readonly developmentNetworks: string[];
  readonly productionNetworks: string[];
  readonly limits: ResourceLimits;
  /** Role-specific development settings (command, ports). */
  readonly development?: ServiceEnvironmentProps;
  /** Role-specific production settings. */
  readonly production?: ServiceEnvironmentProps;
}

/**
 * The service props of one role of the app image: the same image and build for every role (each can be built on its
 * own, so `up` never tries to pull an image that only exists locally), the image's security profile, the shared
 * environment, the code mounted read-only in development and the password files in production.
 */
export function appImageServiceProps(context: AppImageContext, role: AppImageRole): ComposeServiceProps {
  const { image } = context;
  const codeMounts = context.codePaths.map((path) => ({
    source: `./${path}`,
    target: posix.join(image.workdir, path),
    readOnly: true,
  }));
  return {
    image: ComposeValue.withDefault('APP_IMAGE', `${context.imageName}:local`),
    build: {
      context: image.context,
      dockerfile: posix.relative(image.context, image.dockerfile) || image.dockerfile,
      target: image.target,
      args: Object.fromEntries(Object.entries(image.buildArgs).map(([name, value]) => [name, buildArg(name, value)])),
    },
    security: image.security,
    capabilityReasons: context.capabilityReasons,
    environment: context.environment,
    limits: role.limits,
    development: {
      ...role.development,
      networks: role.developmentNetworks,
      mounts: [...codeMounts, ...(role.development?.mounts ?? [])],
    },
    production: {
      ...role.production,
      networks: role.productionNetworks,
      secrets: [...context.productionSecrets, ...(role.production?.secrets ?? [])],
    },
  };
}

/** Checks the code paths mounted in development. */
export function checkCodePaths(paths: readonly string[]): void {
  for (const path of paths) {
    if (path === '' || path.startsWith('/') || posix.normalize(path) !== path || path.startsWith('..') || path === '.') {
      throw new KeelsonConfigError('app.codePaths', `contains '${path}', which is not a directory or file inside the project`,
        "list project paths such as 'app', without './', '..' or a leading '/'");
    }
  }
}

/** A build argument compose fills in from the variable of the same name, defaulting to the Dockerfile's value. */
function buildArg(name: string, value: string): ComposeText {
  const valid = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && value !== '' && !/[}$\n]/.test(value);
  return valid ? ComposeValue.withDefault(name, value) : value;
}
