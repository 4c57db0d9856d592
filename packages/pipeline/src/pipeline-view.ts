import { findModels, ImagePipelineView, isPinned as corePinned } from '@keelson/core';
import { IConstruct } from 'constructs';

/*
 * The image pipeline's resolved model is core's 'image-pipeline' kind (ImagePipelineView and its job and step views,
 * in @keelson/core), registered by ImagePipeline with registerModel: the hardening policy reads it without importing
 * this package. What follows is kept for code written against the first release of this package.
 */

/** A registered image pipeline. */
export interface RegisteredPipeline {
  readonly construct: IConstruct;
  /** Its construct path as users read it, e.g. `svc/ImagePipeline`. */
  readonly path: string;
  resolve(): ImagePipelineView;
}

/** Every image pipeline in the tree under `root` (root included), in construct order: core's `findModels(root, 'image-pipeline')`. */
export function findPipelines(root: IConstruct): RegisteredPipeline[] {
  return findModels(root, 'image-pipeline').map((m) => ({ construct: m.construct, path: m.path, resolve: () => m.resolve() }));
}

/** Whether a `uses:` value is pinned to a full commit SHA (or is local, or a docker image by digest): core's `isPinned`. */
export const isPinned: (uses: string) => boolean = corePinned;

export type { ImagePipelineView, PipelineJobView, PipelineStepView, PipelinePermissionsView, PipelineActionView } from '@keelson/core';
