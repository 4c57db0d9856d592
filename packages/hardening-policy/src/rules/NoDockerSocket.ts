import { Rule, verdict } from '../rule';
import { eachService, serviceTarget, volumesOf } from '../private/compose';
import { describeWorkload, eachWorkload, workloadTarget } from '../private/kubernetes';

const SOCKETS = /(docker|containerd|podman|crio)\.sock$/;
const SYSTEM_DIRS = ['/', '/etc', '/proc', '/sys', '/dev', '/boot', '/root', '/run', '/var/run', '/var/lib/docker', '/usr', '/lib',
  '/var/lib/kubelet', '/var/lib/containerd', '/etc/kubernetes'];

const normalized = (source: string) => source.replace(/\/+$/, '') || '/';
const isBad = (source: string) => SOCKETS.test(source) || SYSTEM_DIRS.includes(source);
const why = (bad: readonly string[], host: string) =>
  bad.some((b) => SOCKETS.test(b)) ? `the runtime socket gives root on the ${host}` : `a system directory of the ${host}`;

/**
 * No compose service or Kubernetes pod mounts the container runtime's socket (root on the host) or a system
 * directory of the host (a bind mount, a hostPath volume).
 */
export const NoDockerSocket: Rule = {
  name: 'NoDockerSocket',
  scope: 'single-file',
  what: 'No compose service or Kubernetes pod mounts the Docker (or containerd, podman, CRI-O) socket or a system directory of the host',
  evaluate: (input) => [
    ...eachService(input.composes).map(({ path, file, name, service }) => {
      const bad = volumesOf(service).filter((v) => v.type === 'bind' || v.source.startsWith('/')).map((v) => normalized(v.source)).filter(isBad);
      return verdict(bad.length === 0, serviceTarget(file, name, 'volumes'), path, file.path,
        () => `service '${name}' mounts ${bad.map((b) => `'${b}'`).join(', ')} from the host in ${file.path}: ${why(bad, 'host')}`);
    }),
    ...eachWorkload(input.kubernetes).map(({ path, workload }) => {
      const bad = workload.volumes.filter((v) => v.type === 'hostPath' && isBad(normalized(v.hostPath ?? '')));
      return verdict(bad.length === 0, workloadTarget(workload, 'volumes'), path, workload.file,
        () => `${describeWorkload(workload)} mounts ${bad.map((v) => `hostPath '${normalized(v.hostPath ?? '')}' (volume '${v.name}')`).join(', ')}: `
          + why(bad.map((v) => normalized(v.hostPath ?? '')), 'node'));
    }),
  ],
};
