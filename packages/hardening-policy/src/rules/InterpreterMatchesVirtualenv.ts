import { Rule, Verdict, verdict } from '../rule';
import { APP_IMAGE_ROLES, eachService, serviceTarget, withDefaults } from '../private/compose';
import { all, copyParts, finalStage, stageBase } from '../private/dockerfile';
import { knownInterpreters } from '../private/image';

const VENV = /(\S*python[0-9.]*)\s+-m\s+venv\s+(?:--\S+\s+)*(\S+)/;

/**
 * The virtualenv built in one stage runs in another: its `bin/python` links to the interpreter that created it, at
 * that path. The runtime image must have that interpreter at the same path (same minor version), and the virtualenv
 * must land at the path it was built at. Checked with the Dockerfile's base images and with the ones compose's build
 * args put in their place.
 */
export const InterpreterMatchesVirtualenv: Rule = {
  name: 'InterpreterMatchesVirtualenv',
  scope: 'cross-file',
  what: "The runtime image has the interpreter the copied virtualenv was built with, at the same path, also with compose's build args",
  evaluate: (input) => {
    const verdicts: Verdict[] = [];
    for (const { path, model } of input.dockerfiles) {
      const final = finalStage(model);
      if (!final) continue;
      const built = model.stages.slice(0, -1).flatMap((stage) => stage.instructions.filter((i) => i.keyword === 'RUN')
        .map((run) => VENV.exec(run.args)).filter((m): m is RegExpExecArray => m !== null)
        .map((m) => ({ stage, interpreter: m[1], venv: m[2].replace(/\/$/, '') })))[0];
      if (!built) continue;
      const copy = all(final, 'COPY').map((c) => copyParts(c.args))
        .find((c) => c.flags.from === built.stage.name && c.sources.some((s) => s.replace(/\/$/, '') === built.venv));
      if (!copy) continue;
      const contexts: Array<{ target: string; file: string; where: string; overrides: Record<string, string> }> = [
        { target: `${model.file}#venv`, file: model.file, where: model.file, overrides: {} },
      ];
      const seen = new Set<string>();
      for (const { view, file, name, service, role } of eachService(input.composes)) {
        const build = service.build;
        if (!APP_IMAGE_ROLES.includes(role) || typeof build !== 'object' || view.image !== model.image) continue;
        const args = Object.fromEntries(Object.entries((build.args ?? {}) as Record<string, unknown>).map(([k, v]) => [k, withDefaults(String(v))]));
        const key = `${file.path}\u0000${JSON.stringify(args)}`;
        if (seen.has(key)) continue;
        seen.add(key);
        contexts.push({ target: serviceTarget(file, name, 'build/args'), file: file.path, where: `${file.path} (service '${name}')`, overrides: args });
      }
      for (const context of contexts) {
        const builder = stageBase(model, built.stage, context.overrides);
        const runtime = stageBase(model, final, context.overrides);
        const absolute = built.interpreter.startsWith('/');
        const builderHas = absolute ? knownInterpreters(builder) : undefined;
        const runtimeHas = absolute ? knownInterpreters(runtime) : undefined;
        const problems = [
          context.overrides === contexts[0].overrides && copy.destination.replace(/\/$/, '') !== built.venv
            ? `the virtualenv is built at ${built.venv} and copied to ${copy.destination}: its scripts and bin/python point at ${built.venv}` : undefined,
          builderHas && !builderHas.includes(built.interpreter) ? `the builder image ${builder} has ${builderHas.join(', ')}, not ${built.interpreter}` : undefined,
          runtimeHas && !runtimeHas.includes(built.interpreter)
            ? `the runtime image ${runtime} has ${runtimeHas.join(', ')}, not ${built.interpreter}, which the copied virtualenv links to` : undefined,
        ].filter((p): p is string => p !== undefined);
        verdicts.push(verdict(problems.length === 0, context.target, path, context.file, () => `${context.where}: ${problems.join('; ')}`));
      }
    }
    return verdicts;
  },
};
