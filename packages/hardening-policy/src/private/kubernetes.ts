import {
  AppServerView, KubernetesContainerView, KubernetesServiceView, KubernetesView, KubernetesWorkloadView,
} from '@keelson/core';
import { Located, PolicyInput } from '../rule';
import { dockerfileFor, imageEnvironment, serverViewFor } from './context';
import { execArgs, finalStage, last } from './dockerfile';
import { DATA_IMAGES, imageParts } from './image';

/** Each workload of each Kubernetes model of the input. */
export interface WorkloadInModel {
  /** The construct path of the component that writes it. */
  readonly path: string;
  readonly view: KubernetesView;
  readonly workload: KubernetesWorkloadView;
}

/** Each container of a workload. */
export interface ContainerInWorkload extends WorkloadInModel {
  readonly container: KubernetesContainerView;
}

/** Every workload of every Kubernetes model. */
export function eachWorkload(kubernetes: ReadonlyArray<Located<KubernetesView>>): WorkloadInModel[] {
  return kubernetes.flatMap(({ path, model }) => model.workloads.map((workload) => ({ path, view: model, workload })));
}

/** Every container (init containers included) of every workload of every Kubernetes model. */
export function eachContainer(kubernetes: ReadonlyArray<Located<KubernetesView>>): ContainerInWorkload[] {
  return eachWorkload(kubernetes).flatMap((w) => w.workload.containers.map((container) => ({ ...w, container })));
}

/** `k8s/app.yaml#Deployment/api/...`: the file, then the workload's kind and name, then `rest`. */
export function workloadTarget(w: KubernetesWorkloadView, ...rest: Array<string | number>): string {
  return `${w.file}#${[w.kind, w.name, ...rest].join('/')}`;
}

/** `k8s/app.yaml#Deployment/api/containers/app/...` (`initContainers/` for an init container). */
export function containerTarget(w: KubernetesWorkloadView, c: KubernetesContainerView, ...rest: Array<string | number>): string {
  return workloadTarget(w, c.init ? 'initContainers' : 'containers', c.name, ...rest);
}

/** `k8s/postgres.yaml#Service/postgres/...`. */
export function serviceObjectTarget(s: KubernetesServiceView, ...rest: Array<string | number>): string {
  return `${s.file}#${['Service', s.name, ...rest].join('/')}`;
}

/** `Deployment 'api' in k8s/app.yaml`. */
export function describeWorkload(w: KubernetesWorkloadView): string {
  return `${w.kind} '${w.name}' in ${w.file}`;
}

/** `container 'app' of Deployment 'api' in k8s/app.yaml`. */
export function describeContainer(w: KubernetesWorkloadView, c: KubernetesContainerView): string {
  return `${c.init ? 'init container' : 'container'} '${c.name}' of ${describeWorkload(w)}`;
}

/** Whether the Service selects the workload's pods: a selector whose every label the pod template carries. */
export function selects(service: KubernetesServiceView, w: KubernetesWorkloadView): boolean {
  const entries = Object.entries(service.selector);
  return entries.length > 0 && entries.every(([k, v]) => w.podLabels[k] === v);
}

/** The Services that select a workload's pods. */
export function servicesOf(view: KubernetesView, w: KubernetesWorkloadView): KubernetesServiceView[] {
  return view.services.filter((s) => selects(s, w));
}

/** How a Service reaches beyond the cluster: NodePort, LoadBalancer, externalIPs; empty when it does not. */
export function exposureOf(s: KubernetesServiceView): string[] {
  return [
    ...(s.type === 'NodePort' || s.type === 'LoadBalancer' ? [`type ${s.type}`] : []),
    ...(s.externalIPs.length > 0 ? [`externalIPs ${s.externalIPs.join(', ')}`] : []),
  ];
}

/**
 * Whether a workload runs until stopped (Deployment, StatefulSet, DaemonSet, or a Pod restarted Always), rather than
 * to completion (Job, CronJob, a Pod restarted Never or OnFailure).
 */
export function isLongRunning(w: KubernetesWorkloadView): boolean {
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(w.kind)) return true;
  if (w.kind === 'Pod') return (w.restartPolicy ?? 'Always') === 'Always';
  return false;
}

/** Whether a workload serves the app (role `app`, or no role and a container of the app image that has ports). */
export function isAppWorkload(w: KubernetesWorkloadView): boolean {
  return w.role === 'app' || (w.role === undefined && w.containers.some((c) => c.appImage && c.ports.length > 0));
}

/** The data of a ConfigMap of the model, by name. */
export function configMapData(view: KubernetesView, name: string): Record<string, string> {
  const found = view.manifests.find((m) => m.manifest.kind === 'ConfigMap' && m.manifest.metadata?.name === name);
  const data = (found?.manifest.data ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, String(v)]));
}

/** The variables a container's processes see: the image's, the ConfigMaps it loads, then its own literal ones. */
export function containerEnvironment(input: PolicyInput, view: KubernetesView, c: KubernetesContainerView): Record<string, string> {
  const image = c.appImage ? imageEnvironment(dockerfileFor(input, view.image)?.model) : {};
  const fromMaps = Object.assign({}, ...c.envFromConfigMaps.map((name) => configMapData(view, name))) as Record<string, string>;
  const own = Object.fromEntries(c.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value as string]));
  return { ...image, ...fromMaps, ...own };
}

/** What a container runs: `command` replaces the image's ENTRYPOINT (and drops its CMD), `args` replace its CMD. */
export function containerArgv(input: PolicyInput, view: KubernetesView, c: KubernetesContainerView): string[] {
  const dockerfile = c.appImage ? dockerfileFor(input, view.image)?.model : undefined;
  const stage = dockerfile ? finalStage(dockerfile) : undefined;
  const entrypoint = c.command ?? execArgs(stage ? last(stage, 'ENTRYPOINT')?.args ?? '' : '') ?? [];
  const args = c.args ?? (c.command !== undefined ? [] : execArgs(stage ? last(stage, 'CMD')?.args ?? '' : '') ?? []);
  return [...entrypoint, ...args];
}

/** The app server a Kubernetes model's app runs, as a resolved model. */
export function kubernetesServer(input: PolicyInput, view: KubernetesView): Located<AppServerView> | undefined {
  return serverViewFor(input, view.appServer ?? dockerfileFor(input, view.image)?.model.appServer);
}

/** Whether a value of a manifest refers to another variable (`$(NAME)`), rather than being written there. */
export function isVariableReference(value: string): boolean {
  return /^\$\([A-Za-z_][A-Za-z0-9_]*\)$/.test(value);
}

/** The `app.kubernetes.io/component` labels of data workloads (the Kubernetes component's, and common ones). */
const DATA_ROLES = ['postgres', 'redis', 'database', 'db', 'cache'];

/** Whether a Kubernetes workload is a data service: by its component label, else by the image it runs. */
export function isDataWorkload(w: KubernetesWorkloadView): boolean {
  if (w.role !== undefined && DATA_ROLES.includes(w.role)) return true;
  return w.containers.some((c) => !c.appImage && c.image !== undefined && DATA_IMAGES.test(imageParts(c.image).repository));
}

/** An Ingress of the model and the Services it routes to. */
export interface IngressInModel {
  readonly file: string;
  readonly name: string;
  readonly annotations: Readonly<Record<string, string>>;
  /** Each backend: the Service's name and its port, by name or number. */
  readonly backends: ReadonlyArray<{ readonly service: string; readonly port?: string | number }>;
}

/** The Ingresses (networking.k8s.io) of a Kubernetes model. */
export function ingressesOf(view: KubernetesView): IngressInModel[] {
  return view.manifests.filter((m) => m.manifest.kind === 'Ingress').map(({ file, manifest }) => {
    const spec = (manifest.spec ?? {}) as Record<string, any>;
    const backends = [spec.defaultBackend, ...((spec.rules ?? []) as any[]).flatMap((r) => ((r?.http?.paths ?? []) as any[]).map((p) => p?.backend))]
      .filter((b) => b?.service?.name !== undefined)
      .map((b) => ({ service: String(b.service.name), port: b.service.port?.name ?? b.service.port?.number }));
    const seen = new Set<string>();
    return {
      file,
      name: String(manifest.metadata?.name ?? ''),
      annotations: { ...(manifest.metadata?.annotations ?? {}) },
      backends: backends.filter((b) => !seen.has(`${b.service}:${b.port}`) && seen.add(`${b.service}:${b.port}`)),
    };
  });
}

/**
 * The ports the NetworkPolicies that select a workload's pods admit traffic to (numbers, named ports resolved against
 * its containers); undefined when no policy restricts them (none selects the pods, or a rule admits every port) or a
 * selector is one this reader does not evaluate (matchExpressions).
 */
export function admittedPorts(view: KubernetesView, w: KubernetesWorkloadView): number[] | undefined {
  const policies = view.manifests.filter((m) => m.manifest.kind === 'NetworkPolicy').map((m) => (m.manifest.spec ?? {}) as Record<string, any>);
  const selecting: Array<Record<string, any>> = [];
  for (const spec of policies) {
    const selector = spec.podSelector ?? {};
    if (selector.matchExpressions !== undefined) return undefined;
    const labels = Object.entries((selector.matchLabels ?? {}) as Record<string, string>);
    if (!labels.every(([k, v]) => w.podLabels[k] === v)) continue;
    const types: string[] = spec.policyTypes ?? ['Ingress'];
    if (types.includes('Ingress')) selecting.push(spec);
  }
  if (selecting.length === 0) return undefined;
  const ports = new Set<number>();
  for (const spec of selecting) {
    for (const rule of (spec.ingress ?? []) as any[]) {
      const rulePorts = (rule?.ports ?? []) as any[];
      if (rulePorts.length === 0) return undefined;
      for (const p of rulePorts) {
        if (p?.port === undefined) return undefined;
        const resolved = typeof p.port === 'number' ? p.port
          : w.containers.flatMap((c) => c.ports).find((cp) => cp.name === p.port)?.containerPort;
        if (resolved !== undefined) ports.add(resolved);
      }
    }
  }
  return [...ports].sort((a, b) => a - b);
}
