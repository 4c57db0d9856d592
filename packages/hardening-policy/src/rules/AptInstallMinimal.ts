import { Rule, verdict } from '../rule';

/** apt-get installs what was asked for, not its recommendations, and leaves no package lists in the layer. */
export const AptInstallMinimal: Rule = {
  name: 'AptInstallMinimal',
  scope: 'single-file',
  what: 'Every apt-get install of the Dockerfile uses --no-install-recommends and removes /var/lib/apt/lists in the same RUN',
  evaluate: (input) => input.dockerfiles.flatMap(({ path, model }) => model.stages.flatMap((stage) =>
    stage.instructions.filter((i) => i.keyword === 'RUN' && /apt-get\s+(-\S+\s+)*install/.test(i.args)).map((run, index) => {
      const missing = [
        /--no-install-recommends/.test(run.args) ? undefined : '--no-install-recommends',
        /rm\s+-[a-z]*r[a-z]*f?\s+\/var\/lib\/apt\/lists|rm\s+-[a-z]*f[a-z]*r\s+\/var\/lib\/apt\/lists/.test(run.args) ? undefined : 'rm -rf /var/lib/apt/lists/*',
      ].filter((m): m is string => m !== undefined);
      return verdict(missing.length === 0, `${model.file}#stage/${stage.name}/RUN/apt-get/${index}`, path, model.file,
        () => `stage '${stage.name}' runs apt-get install without ${missing.join(' and ')}`);
    }))),
};
