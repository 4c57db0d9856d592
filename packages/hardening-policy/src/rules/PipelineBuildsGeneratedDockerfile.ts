import { posix } from 'path';
import { buildSteps } from '@keelson/core';
import { Rule, verdict } from '../rule';
import { jobTarget, stepOf } from '../private/pipeline';

const normal = (file: string) => posix.normalize(file).replace(/^\.\//, '');

/**
 * The image pipeline builds the Dockerfile the project generates: every docker/build-push-action step's `file` (by
 * default `<context>/Dockerfile`) is the file of a Dockerfile component. Otherwise the image scanned, signed and
 * pushed is not the one the policy checked.
 */
export const PipelineBuildsGeneratedDockerfile: Rule = {
  name: 'PipelineBuildsGeneratedDockerfile',
  scope: 'cross-file',
  what: 'Every image an image pipeline builds comes from a Dockerfile the project generates',
  evaluate: (input) => {
    const generated = input.dockerfiles.map((d) => normal(d.model.file));
    if (generated.length === 0) return [];
    return input.pipelines.flatMap(({ path, model }) => buildSteps(model).map((ref) => {
      const step = stepOf(model, ref);
      const context = typeof step.with?.context === 'string' ? step.with.context : '.';
      const file = normal(typeof step.with?.file === 'string' ? step.with.file : posix.join(context, 'Dockerfile'));
      return verdict(generated.includes(file), jobTarget(model, ref.job, 'steps', ref.step), path, model.file,
        () => `step ${ref.step} of job '${ref.job}' in ${model.file} builds '${file}', which no component of the project generates `
          + `(it generates ${generated.join(', ')}): the image scanned and pushed is not the one the policy checked`);
    }));
  },
};
