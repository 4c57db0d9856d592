import { IConstruct } from 'constructs';
import { ResolvedModelKind, ResolvedModelViews, findModels } from '@keelson/core';
import { Located, PolicyInput } from './rule';

function located<K extends ResolvedModelKind>(root: IConstruct, kind: K): Array<Located<ResolvedModelViews[K]>> {
  return findModels(root, kind).map((m) => ({ path: m.path, model: m.resolve() }));
}

/** Every resolved model registered in the tree under `root`, read now: what the synth will write. */
export function collectPolicyInput(root: IConstruct): PolicyInput {
  return {
    dockerfiles: located(root, 'dockerfile'),
    dockerignores: located(root, 'dockerignore'),
    appServers: located(root, 'app-server'),
    proxies: located(root, 'reverse-proxy'),
    composes: located(root, 'compose'),
    kubernetes: located(root, 'kubernetes'),
    pipelines: located(root, 'image-pipeline'),
  };
}
