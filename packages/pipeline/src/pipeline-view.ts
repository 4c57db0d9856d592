import { constructPath } from '@keelson/core';
import { IConstruct } from 'constructs';

/*
 * The image pipeline as a resolved model: what the workflow WILL do, read from the workflow model after any change
 * made in .projenrc.ts, for whole-project readers (the hardening policy) that do not import this package.
 * Registered under a global symbol, like core's resolved models, until core lists a 'image-pipeline' kind.
 */

/** One step of a job, as written. */
export interface PipelineStepView {
  readonly name?: string;
  /** `owner/repo@ref`, for an action step. */
  readonly uses?: string;
  /** The shell script, for a run step. */
  readonly run?: string;
  readonly with?: Readonly<Record<string, unknown>>;
}

/** One job, as written. */
export interface PipelineJobView {
  readonly id: string;
  /** Jobs it waits for, directly. */
  readonly needs: readonly string[];
  /** Its `permissions:` (GitHub names, e.g. `id-token`); empty when it sets none (and inherits the workflow's). */
  readonly permissions: Readonly<Record<string, string>>;
  readonly steps: readonly PipelineStepView[];
}

/** An action a workflow uses and whether it is pinned to a full commit SHA. */
export interface PipelineActionView {
  readonly job: string;
  readonly uses: string;
  /** `owner/repo@<40 hex>` (local `./` actions and `docker://...@sha256:` count as pinned). */
  readonly pinned: boolean;
}

/** The image pipeline as it will be written. */
export interface ImagePipelineView {
  /** The workflow file, relative to the project root. */
  readonly file: string;
  /** The image it publishes, `registry/repository` (no tag). */
  readonly image: string;
  /** The Dockerfile it builds. */
  readonly dockerfile: string;
  /** Whether any job pushes an image. */
  readonly pushes: boolean;
  /** The Trivy gate: the severities that fail it; undefined when no Trivy step fails the job. */
  readonly scanGate?: {
    readonly job: string;
    readonly severities: readonly string[];
    readonly ignoreUnfixed: boolean;
    readonly ignoreFile?: string;
  };
  /** Whether every job that pushes waits (transitively) for the scan gate's job. */
  readonly scanGateBeforePush: boolean;
  /** Whether a job signs the pushed image with cosign. */
  readonly signs: boolean;
  /** Workflow-level permissions; jobs without their own inherit these. */
  readonly permissions: Readonly<Record<string, string>>;
  readonly jobs: readonly PipelineJobView[];
  /** Every `uses:` of every job. */
  readonly actions: readonly PipelineActionView[];
}

const REGISTRY = Symbol.for('@keelson/pipeline.image-pipelines');

/** A registered image pipeline. */
export interface RegisteredPipeline {
  readonly construct: IConstruct;
  /** Its construct path as users read it, e.g. `svc/ImagePipeline`. */
  readonly path: string;
  resolve(): ImagePipelineView;
}

/** Registers `scope` as an image pipeline whose view `resolve` builds when read. */
export function registerPipeline(scope: IConstruct, resolve: () => ImagePipelineView): void {
  Object.defineProperty(scope, REGISTRY, { value: resolve, configurable: true, enumerable: false });
}

/** Every image pipeline in the tree under `root` (root included), in construct order. */
export function findPipelines(root: IConstruct): RegisteredPipeline[] {
  return root.node.findAll().flatMap((construct) => {
    const resolve = (construct as unknown as Record<symbol, (() => ImagePipelineView) | undefined>)[REGISTRY];
    return resolve ? [{ construct, path: constructPath(construct), resolve }] : [];
  });
}

/** Whether a `uses:` value is pinned to a full commit SHA (or is local, or a docker image by digest). */
export function isPinned(uses: string): boolean {
  if (uses.startsWith('./')) return true;
  if (uses.startsWith('docker://')) return /@sha256:[a-f0-9]{64}$/.test(uses);
  return /^[^@\s]+@[a-f0-9]{40}$/.test(uses);
}
