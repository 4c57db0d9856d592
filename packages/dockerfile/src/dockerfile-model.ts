/** One Dockerfile instruction, e.g. `{ keyword: 'RUN', args: 'pip install ...' }`. */
export interface Instruction {
  /** The keyword, upper case. */
  readonly keyword: string;
  /** Everything after the keyword, as it appears in the file. */
  readonly args: string;
  /**
   * A comment line written above the instruction.
   * @default - none
   */
  readonly comment?: string;
}

/** A build stage: `FROM <from> AS <name>` and its instructions, in order. */
export class DockerfileStage {
  public readonly instructions: Instruction[] = [];

  public constructor(public readonly name: string, public readonly from: string) {}

  /** Appends an instruction. The escape hatch: what is added here is what gets written and checked. */
  public add(keyword: string, args: string, comment?: string): this {
    this.instructions.push({ keyword: keyword.toUpperCase(), args, comment });
    return this;
  }

  /** Instructions with `keyword`. */
  public find(keyword: string): Instruction[] {
    return this.instructions.filter((i) => i.keyword === keyword.toUpperCase());
  }

  /** Removes every instruction with `keyword` (and `args`, when given). */
  public remove(keyword: string, args?: string): this {
    const kept = this.instructions.filter((i) => !(i.keyword === keyword.toUpperCase() && (args === undefined || i.args === args)));
    this.instructions.splice(0, this.instructions.length, ...kept);
    return this;
  }
}

/** The whole Dockerfile: global ARGs (image references) then stages. */
export interface DockerfileModel {
  readonly globalArgs: Instruction[];
  readonly stages: DockerfileStage[];
}

/** Renders an instruction's JSON exec form, e.g. `["python", "-m", "gunicorn"]`. */
export function execForm(argv: readonly string[]): string {
  return `[${argv.map((a) => JSON.stringify(a)).join(', ')}]`;
}
