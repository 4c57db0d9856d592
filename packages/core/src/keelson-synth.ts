import { copyFileSync, existsSync, readFileSync } from 'fs';
import { Component, Project } from 'projen';
import { constructPath } from './errors';
import { GeneratedFile } from './generated-file';

/** One problem found before synthesis, with the construct it belongs to. */
export interface SynthProblem {
  readonly path: string;
  readonly message: string;
}

/** Thrown when a synth stops before any file is written. Lists every problem found. */
export class KeelsonSynthError extends Error {
  public constructor(public readonly problems: SynthProblem[]) {
    super(`Keelson stopped the synth before writing any file (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n`
      + problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n'));
    this.name = 'KeelsonSynthError';
  }
}

/** A hand edit found and kept aside. */
export interface KeptHandEdit {
  readonly file: string;
  readonly keptAs: string;
}

/**
 * The gate every Keelson synth passes, once per project: it renders every Keelson file and runs every
 * construct's validations in `preSynthesize`, before projen's cleanup and before any file is written, and
 * stops the synth with all problems listed. Then it keeps aside any generated file edited by hand.
 */
export class KeelsonSynth extends Component {
  /** The gate of `project`, created on first use. */
  public static of(project: Project): KeelsonSynth {
    const existing = project.components.find((c): c is KeelsonSynth => c instanceof KeelsonSynth);
    return existing ?? new KeelsonSynth(project);
  }

  /** Hand edits kept aside by the last synth. */
  public readonly keptHandEdits: KeptHandEdit[] = [];

  private constructor(project: Project) {
    super(project, 'KeelsonSynth');
  }

  /** Renders and validates everything; throws KeelsonSynthError on any problem. Safe to call more than once. */
  public check(): void {
    const problems: SynthProblem[] = [];
    for (const file of this.generatedFiles()) {
      try {
        file.render();
      } catch (error) {
        problems.push({ path: constructPath(file), message: (error as Error).message });
      }
    }
    for (const construct of this.project.node.findAll()) {
      for (const message of construct.node.validate()) {
        problems.push({ path: constructPath(construct), message });
      }
    }
    if (problems.length > 0) throw new KeelsonSynthError(problems);
  }

  public preSynthesize(): void {
    this.check();
    this.keepHandEdits();
  }

  private generatedFiles(): GeneratedFile[] {
    return this.project.node.findAll().filter((c): c is GeneratedFile => c instanceof GeneratedFile);
  }

  private keepHandEdits(): void {
    for (const file of this.generatedFiles()) {
      if (!existsSync(file.absolutePath)) continue;
      const current = readFileSync(file.absolutePath, 'utf-8');
      if (current === file.render()) continue;
      const parsed = GeneratedFile.parse(current, file.commentPrefix);
      if (parsed.checksum === GeneratedFile.checksum(parsed.body)) continue; // Keelson's own older output
      const keptAs = `${file.absolutePath}.hand-edit`;
      copyFileSync(file.absolutePath, keptAs);
      const relativeKept = `${file.path}.hand-edit`;
      this.keptHandEdits.push({ file: file.path, keptAs: relativeKept });
      const why = parsed.checksum ? 'was edited by hand since the last synth' : 'exists and was not written by Keelson';
      this.project.logger.warn(
        `${file.path} ${why}. The edited copy is kept as ${relativeKept}; ${file.path} is rewritten now. `
        + `To keep the change, ${file.editHint}, then delete ${relativeKept}.`);
    }
  }
}
