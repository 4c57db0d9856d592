import { ImageReference, KeelsonConfigError } from '@keelson/core';

/** The names of the runtime flavours. */
export type RuntimeFlavourName = 'slim' | 'distroless' | 'chainguard';

/**
 * What a runtime flavour is made of: the images of both stages and the one interpreter path they share.
 *
 * The virtualenv built in the builder stage is copied into the runtime stage, and its `bin/python` is a
 * symlink to the interpreter that created it. Each flavour therefore names ONE interpreter path that exists
 * at the same place, with the same minor version, in both of its images: the copied virtualenv always points
 * at an interpreter that exists.
 */
export interface RuntimeFlavour {
  readonly name: RuntimeFlavourName;
  /** Python minor versions this flavour ships, e.g. `3.12`. */
  readonly pythonVersions: readonly string[];
  /** The minor used when none is given. */
  readonly defaultPythonVersion: string;
  /** The builder image for a Python minor: it has the interpreter, pip and a C toolchain. */
  builderImage(pythonVersion: string): ImageReference;
  /** The runtime image for a Python minor: the interpreter, no compilers, no headers. */
  runtimeImage(pythonVersion: string): ImageReference;
  /** The absolute interpreter path, identical in both images. */
  interpreter(pythonVersion: string): string;
  /** Shell commands that put the build toolchain into the builder (run as root). */
  builderToolchain(extraPackages: readonly string[]): string | undefined;
  /** Whether the runtime image has a shell and a package manager (only then can it install or create users). */
  readonly runtimeHasShell: boolean;
  /** The uid of a non-root user that already exists in the runtime image, if any. */
  readonly builtInNonRootUid?: number;
}

/** Patch-pinned official python tags (Debian bookworm) for each minor the slim flavour supports. */
const SLIM_TAGS: Record<string, string> = {
  '3.10': '3.10.19-slim-bookworm',
  '3.11': '3.11.14-slim-bookworm',
  '3.12': '3.12.12-slim-bookworm',
  '3.13': '3.13.9-slim-bookworm',
};

const aptInstall = (packages: readonly string[]) =>
  'apt-get update && apt-get install -y --no-install-recommends '
  + `${packages.join(' ')} && rm -rf /var/lib/apt/lists/*`;

/** Official `python:*-slim-bookworm` in both stages: the interpreter lives at /usr/local/bin/pythonX.Y. */
const SLIM: RuntimeFlavour = {
  name: 'slim',
  pythonVersions: Object.keys(SLIM_TAGS),
  defaultPythonVersion: '3.12',
  builderImage: (v) => new ImageReference({ repository: 'python', tag: SLIM_TAGS[v] }),
  runtimeImage: (v) => new ImageReference({ repository: 'python', tag: SLIM_TAGS[v] }),
  interpreter: (v) => `/usr/local/bin/python${v}`,
  builderToolchain: (extra) => aptInstall(['build-essential', ...extra]),
  runtimeHasShell: true,
};

/**
 * gcr.io/distroless/python3-debian12 ships Debian 12's python3.11 at /usr/bin/python3.11, and nothing else.
 * The builder is therefore Debian 12 with Debian's python3.11 (not the official python image, whose
 * interpreter at /usr/local/bin does not exist in distroless).
 */
const DISTROLESS: RuntimeFlavour = {
  name: 'distroless',
  pythonVersions: ['3.11'],
  defaultPythonVersion: '3.11',
  builderImage: () => new ImageReference({ repository: 'debian', tag: '12.12-slim' }),
  runtimeImage: () => new ImageReference({ repository: 'gcr.io/distroless/python3-debian12', tag: 'nonroot' }),
  interpreter: () => '/usr/bin/python3.11',
  builderToolchain: (extra) => aptInstall(['python3.11', 'python3.11-venv', 'python3.11-dev', 'build-essential', ...extra]),
  runtimeHasShell: false,
  builtInNonRootUid: 65532,
};

/**
 * cgr.dev/chainguard/python and its -dev variant, from one tag so both stages carry the same minor:
 * `latest`/`latest-dev` by default (the only tags of the free tier), `X.Y`/`X.Y-dev` when a version is given.
 * The interpreter is /usr/bin/pythonX.Y (or /usr/bin/python3 for `latest`) in both. `latest` floats: the
 * Dockerfile component requires both digests or neither, so the two stages are frozen together.
 */
const CHAINGUARD: RuntimeFlavour = {
  name: 'chainguard',
  pythonVersions: ['latest', '3.10', '3.11', '3.12', '3.13', '3.14'],
  defaultPythonVersion: 'latest',
  builderImage: (v) => new ImageReference({ repository: 'cgr.dev/chainguard/python', tag: `${v}-dev` }),
  runtimeImage: (v) => new ImageReference({ repository: 'cgr.dev/chainguard/python', tag: v }),
  interpreter: (v) => (v === 'latest' ? '/usr/bin/python3' : `/usr/bin/python${v}`),
  builderToolchain: (extra) => (extra.length > 0 ? `apk add --no-cache ${extra.join(' ')}` : undefined),
  runtimeHasShell: false,
  builtInNonRootUid: 65532,
};

const FLAVOURS: Record<RuntimeFlavourName, RuntimeFlavour> = { slim: SLIM, distroless: DISTROLESS, chainguard: CHAINGUARD };

/** The flavour named `name`, or a clear error naming the choices. */
export function runtimeFlavour(name: string): RuntimeFlavour {
  const flavour = (FLAVOURS as Record<string, RuntimeFlavour | undefined>)[name];
  if (!flavour) {
    throw new KeelsonConfigError('flavour', `is '${name}', which is not a runtime flavour`,
      `choose one of ${Object.keys(FLAVOURS).map((f) => `'${f}'`).join(', ')}`);
  }
  return flavour;
}

/** The Python version to use with `flavour`, checked against what the flavour ships. */
export function pythonVersionFor(flavour: RuntimeFlavour, requested: string | undefined): string {
  const version = requested ?? flavour.defaultPythonVersion;
  if (!flavour.pythonVersions.includes(version)) {
    throw new KeelsonConfigError('pythonVersion', `is '${version}', which the ${flavour.name} flavour does not ship`,
      `choose one of ${flavour.pythonVersions.map((v) => `'${v}'`).join(', ')}, or another flavour`);
  }
  return version;
}
