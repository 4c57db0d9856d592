import { Rule, Verdict, verdict } from '../rule';
import { argvOf, eachService, environmentOf, serviceTarget } from '../private/compose';
import { containerTarget, describeContainer, eachContainer, isVariableReference } from '../private/kubernetes';
import { isInterpolated, isSecretName, literalUrlPassword } from '../private/secrets';

const SECRET_FLAG = /^--?[a-z-]*(pass|secret|token)[a-z-]*$/i;

/** Problems of command-line flags that take a secret (`--password x`), unless `isReference` says the value is filled in. */
function flagProblems(argv: readonly string[], isReference: (value: string) => boolean): string[] {
  const problems: string[] = [];
  argv.forEach((arg, i) => {
    const next = argv[i + 1];
    const inline = /^(--?[a-z-]*(?:pass|secret|token)[a-z-]*)=(.+)$/i.exec(arg);
    if (inline && !isReference(inline[2])) problems.push(`the command passes ${inline[1]} a value written in the file`);
    else if (SECRET_FLAG.test(arg) && next !== undefined && !isReference(next)) problems.push(`the command passes ${arg} a value written in the file`);
  });
  return problems;
}

/** Problems of variables written in a Kubernetes manifest: a secret's value, or a URL with its password. */
function kubernetesValueProblems(entries: ReadonlyArray<readonly [string, string]>): string[] {
  const problems: string[] = [];
  for (const [key, value] of entries) {
    if (isSecretName(key) && value !== '' && !isVariableReference(value)) problems.push(`${key} is written in the file`);
    const password = literalUrlPassword(value);
    if (password !== undefined && !isVariableReference(password)) problems.push(`${key} holds a URL with its password written in the file`);
  }
  return problems;
}

/**
 * No secret is written in a production compose file or a Kubernetes manifest. Compose reads each from the
 * environment of whoever runs it (`${NAME:?message}`, required) or a secret file; a default (`${NAME:-x}`) is a
 * password in the file. Kubernetes reads each from a Secret the cluster holds (`valueFrom.secretKeyRef`); a Secret
 * object written with its data, a literal `value`, or a ConfigMap entry puts it in the repository.
 */
export const SecretsNotInline: Rule = {
  name: 'SecretsNotInline',
  scope: 'single-file',
  what: 'No password, token or key is written in a production compose file or a Kubernetes manifest (environment, ConfigMaps, Secrets, URLs, command flags)',
  evaluate: (input) => {
    const verdicts: Verdict[] = [];
    for (const { path, file, name, service } of eachService(input.composes)) {
      if (file.environment !== 'production') continue;
      const problems: string[] = [];
      for (const [key, value] of Object.entries(environmentOf(service))) {
        if (isSecretName(key) && value !== '' && !isInterpolated(value)) problems.push(`${key} is written in the file`);
        const password = literalUrlPassword(value);
        if (password !== undefined) problems.push(`${key} holds a URL with its password written in the file`);
      }
      problems.push(...flagProblems(argvOf(service.command), isInterpolated));
      verdicts.push(verdict(problems.length === 0, serviceTarget(file, name, 'environment'), path, file.path,
        () => `service '${name}' in ${file.path}: ${problems.join('; ')}`));
    }
    for (const { path, workload, container } of eachContainer(input.kubernetes)) {
      const literal = container.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value as string] as const);
      const problems = [
        ...kubernetesValueProblems(literal),
        ...flagProblems([...(container.command ?? []), ...(container.args ?? [])], isVariableReference),
      ];
      verdicts.push(verdict(problems.length === 0, containerTarget(workload, container, 'env'), path, workload.file,
        () => `${describeContainer(workload, container)}: ${problems.join('; ')} (read it from a Secret with valueFrom.secretKeyRef)`));
    }
    for (const { path, model } of input.kubernetes) {
      for (const { file, manifest } of model.manifests) {
        const name = String(manifest.metadata?.name ?? '');
        if (manifest.kind === 'ConfigMap') {
          const data = Object.entries((manifest.data ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)] as const);
          const problems = kubernetesValueProblems(data);
          verdicts.push(verdict(problems.length === 0, `${file}#ConfigMap/${name}/data`, path, file,
            () => `ConfigMap '${name}' in ${file}: ${problems.join('; ')} (a ConfigMap is plain text: use a Secret the cluster holds)`));
        } else if (manifest.kind === 'Secret') {
          const keys = [...Object.keys((manifest.data ?? {}) as object), ...Object.keys((manifest.stringData ?? {}) as object)];
          verdicts.push(verdict(keys.length === 0, `${file}#Secret/${name}/data`, path, file,
            () => `Secret '${name}' is written with its values in ${file} (${keys.join(', ')}): base64 is no encryption, and the file is committed`));
        }
      }
    }
    return verdicts;
  },
};
