import { GeneratedFile, KeelsonConfigError, KeelsonSynth, declarePolicyCoverage } from '@keelson/core';
import { Component, Project } from 'projen';
import { DockerRunOptions, renderDockerRun } from './docker-run';
import { PolicyResult, evaluatePolicy, findingsAt } from './evaluate';
import { PACKS, Pack, knownRuleIds, mergePacks } from './packs';
import { collectPolicyInput } from './policy-input';
import { ReportFile, jsonReport, sarifReport } from './reports';
import { PolicyInput } from './rule';
import { errorMessage, renderSummary } from './summary';
import { Waiver, checkWaiver } from './waiver';

/** Props of the hardening policy. */
export interface HardeningPolicyProps {
  /**
   * The packs to run: by name (`baseline`, `strict`), or a Pack of your own (its rules are `Rule`s, pure functions of
   * the resolved models). A rule in several packs runs once, at its most severe level.
   * @default ['baseline']
   */
  readonly packs?: Array<string | Pack>;
  /**
   * Acknowledged findings: each names a rule id, one finding's target and a reason.
   * @default - none
   */
  readonly waivers?: Waiver[];
  /**
   * The directory the reports (report.json, report.sarif) and the docker run script are written to.
   * @default 'hardening'
   */
  readonly outputDirectory?: string;
  /**
   * Write report.json and report.sarif.
   * @default true
   */
  readonly reports?: boolean;
  /**
   * Write a `docker run` script with the image's hardening flags, for hosts without compose; `false` writes none.
   * @default - hardening/docker-run.sh, limits from the production compose file
   */
  readonly dockerRun?: DockerRunOptions | false;
  /**
   * Where the terminal summary goes.
   * @default - projen's logger (warn when there are findings, info otherwise)
   */
  readonly print?: (summary: string, hasFindings: boolean) => void;
}

/**
 * The hardening policy of a service: runs the packs' rules over what every Keelson component of the project WILL
 * write (their resolved models, after escape hatches, found through @keelson/core), in preSynthesize, before projen
 * deletes or writes any file. Error findings stop the synth with the previous files untouched; warnings and info are
 * printed. Writes report.json, report.sarif and a hardened `docker run` script.
 *
 * Add it last, or anywhere: it reads the models when the synth runs, not when it is constructed.
 */
export class HardeningPolicy extends Component {
  public readonly packs: readonly Pack[];
  public readonly waivers: readonly Waiver[];
  public readonly outputDirectory: string;
  /** The JSON report, when written. */
  public readonly jsonReport?: ReportFile;
  /** The SARIF report, when written. */
  public readonly sarifReport?: ReportFile;
  /** The docker run script, when written. */
  public readonly dockerRunScript?: GeneratedFile;
  private readonly print: (summary: string, hasFindings: boolean) => void;
  private result?: PolicyResult;
  private printed = false;

  public constructor(project: Project, props: HardeningPolicyProps = {}) {
    super(project, 'HardeningPolicy');
    const names = props.packs ?? ['baseline'];
    if (names.length === 0) {
      throw new KeelsonConfigError('packs', 'is empty, so no rule would run', "give at least one pack, e.g. ['baseline']").atConstruct(this);
    }
    this.packs = names.map((name) => {
      if (typeof name !== 'string') return name;
      const pack = PACKS[name];
      if (!pack) {
        throw new KeelsonConfigError('packs', `names '${name}', which is not a pack`, `choose from ${Object.keys(PACKS).map((p) => `'${p}'`).join(', ')}`)
          .atConstruct(this);
      }
      return pack;
    });
    this.waivers = [...(props.waivers ?? [])];
    const active = new Set(mergePacks(this.packs).map((e) => e.id));
    const known = new Set([...knownRuleIds(), ...active]);
    this.waivers.forEach((waiver, index) => {
      try {
        checkWaiver(waiver, index, known, active);
      } catch (error) {
        throw error instanceof KeelsonConfigError ? error.atConstruct(this) : error;
      }
      const twin = this.waivers.findIndex((w) => w.id === waiver.id && w.finding === waiver.finding);
      if (twin !== index) {
        throw new KeelsonConfigError(`waivers[${index}]`, `waives ${waiver.id} at ${waiver.finding} again (waivers[${twin}] already does)`,
          'keep one waiver per finding').atConstruct(this);
      }
    });
    this.outputDirectory = (props.outputDirectory ?? 'hardening').replace(/\/+$/, '');
    this.print = props.print ?? ((summary, hasFindings) => (hasFindings ? project.logger.warn(summary) : project.logger.info(summary)));

    if (props.reports ?? true) {
      this.jsonReport = new ReportFile(this, `${this.outputDirectory}/report.json`, () => jsonReport(this.evaluate()));
      this.sarifReport = new ReportFile(this, `${this.outputDirectory}/report.sarif`, (marker) => sarifReport(this.evaluate(), marker), 'property-bag');
    }
    if (props.dockerRun !== false) {
      const options = props.dockerRun ?? {};
      this.dockerRunScript = new GeneratedFile(this, options.file ?? `${this.outputDirectory}/docker-run.sh`, () => {
        const body = renderDockerRun(this.input(), project.name, options);
        if (body === undefined) {
          throw new KeelsonConfigError('dockerRun', 'is on, but the project has no container image (no Dockerfile component)',
            'add the Dockerfile component, or set dockerRun: false');
        }
        return body;
      }, { preamble: ['#!/bin/sh'], executable: true, editHint: 'set the security profile, the limits or HardeningPolicy dockerRun in .projenrc.ts' });
    }
    // The synth gate (KeelsonSynth) runs this in preSynthesize, before projen deletes or writes anything.
    KeelsonSynth.of(project);
    this.node.addValidation({ validate: () => this.validatePolicy() });
    // Components that keep a fallback check of their own (the image pipeline's pinned actions and scan gate) leave
    // it to the policy when it runs the rule: one finding, at the pack's level, waivable.
    declarePolicyCoverage(this, () => mergePacks(this.packs).map((e) => e.id));
  }

  /** Runs the packs over the project's resolved models as they are now; the last result is kept for the reports. */
  public evaluate(): PolicyResult {
    this.result ??= evaluatePolicy(this.input(), this.packs, this.waivers);
    return this.result;
  }

  /** Forgets the last result: the next `evaluate` reads the models again. */
  public reset(): void {
    this.result = undefined;
    this.printed = false;
  }

  private input(): PolicyInput {
    return collectPolicyInput(this.project);
  }

  private validatePolicy(): string[] {
    this.reset();
    const result = this.evaluate();
    const hasFindings = result.findings.length > 0 || result.unusedWaivers.length > 0;
    if (!this.printed) {
      this.print(renderSummary(result), hasFindings);
      this.printed = true;
    }
    return findingsAt(result, 'error').map(errorMessage);
  }
}
