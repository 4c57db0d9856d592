import { JsonFile, Project, ProjectOptions, ProjenrcFile } from 'projen';
import { KeelsonSynth } from './keelson-synth';

/** Options of a service repository's projen project. */
export interface ServiceProjectOptions extends ProjectOptions {
  /**
   * The tsconfig file ts-node uses to run `.projenrc.ts`.
   * @default 'tsconfig.projenrc.json'
   */
  readonly projenrcTsconfig?: string;
}

/**
 * The projen project of a service repository (a Python service, not a Node package): `npx projen` runs
 * `.projenrc.ts` with the ts-node installed next to it, and nothing else about Node leaks into the repo.
 */
export class ServiceProject extends Project {
  public constructor(options: ServiceProjectOptions) {
    super({ projenCommand: 'npx projen', ...options });
    const tsconfig = options.projenrcTsconfig ?? 'tsconfig.projenrc.json';
    new JsonFile(this, tsconfig, {
      obj: {
        compilerOptions: {
          target: 'ES2022', lib: ['es2022'], module: 'CommonJS', moduleResolution: 'node',
          strict: true, esModuleInterop: true, skipLibCheck: true, noEmit: true, types: ['node'],
        },
        include: ['.projenrc.ts'],
      },
    });
    new ProjenrcTsFile(this);
    this.defaultTask?.exec(`ts-node --project ${tsconfig} .projenrc.ts`);
    this.addGitIgnore('node_modules/');
    KeelsonSynth.of(this);
  }
}

/** Tells projen (and its file markers) that this project is declared in `.projenrc.ts`. */
class ProjenrcTsFile extends ProjenrcFile {
  public readonly filePath = '.projenrc.ts';
}
