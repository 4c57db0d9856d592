import { GeneratedFile, KeelsonConfigError, PythonRequirement } from '@keelson/core';
import { Component, Project } from 'projen';

/** The server packages the image's entrypoint needs, with exact versions. */
export interface ServerRequirementsProps {
  /**
   * The gunicorn version.
   * @default '27.0.1'
   */
  readonly gunicorn?: string;
  /**
   * The uvicorn-worker version (the maintained home of `UvicornWorker`); `false` leaves it out, e.g. for
   * gunicorn's own sync worker or an uvicorn old enough to still carry `uvicorn.workers`.
   * @default '0.4.0'
   */
  readonly uvicornWorker?: string | false;
}

/**
 * `requirements-server.txt`: the server dependencies the entrypoint runs, pinned, in a file Keelson owns.
 * The builder installs it together with the user's requirements, so pip resolves both at once and a
 * conflict fails the build instead of passing silently.
 */
export class ServerRequirements extends Component {
  public static readonly FILE = 'requirements-server.txt';

  /** Pins for gunicorn with the uvicorn worker, from props. */
  public static pinsFrom(props: ServerRequirementsProps = {}): PythonRequirement[] {
    const pins = [{ name: 'gunicorn', version: checkVersion('serverRequirements.gunicorn', props.gunicorn ?? '27.0.1') }];
    const worker = props.uvicornWorker ?? '0.4.0';
    if (worker !== false) pins.push({ name: 'uvicorn-worker', version: checkVersion('serverRequirements.uvicornWorker', worker) });
    return pins;
  }

  /** `name==version` lines, in order. */
  public readonly pins: readonly PythonRequirement[];
  public readonly file: GeneratedFile;

  /** `pins` come from the app server component when there is one, else from `ServerRequirements.pinsFrom`. */
  public constructor(project: Project, pins: readonly PythonRequirement[]) {
    super(project, 'ServerRequirements');
    this.pins = pins.map((p) => ({ name: p.name, version: checkVersion(`requirements.${p.name}`, p.version) }));
    this.file = new GeneratedFile(this, ServerRequirements.FILE, () => [
      '# The server the image runs. Your own dependencies stay in requirements.txt; both are installed together.',
      ...this.pins.map((p) => `${p.name}==${p.version}`),
    ].join('\n'), { editHint: 'set serverRequirements on the Dockerfile (or the app server\'s versions) in .projenrc.ts' });
  }
}

function checkVersion(option: string, version: string): string {
  if (!/^\d+(\.\d+)*([a-z0-9.+-]*)$/i.test(version)) {
    throw new KeelsonConfigError(option, `is '${version}', not an exact version`, "give an exact release such as '27.0.1'");
  }
  return version;
}
