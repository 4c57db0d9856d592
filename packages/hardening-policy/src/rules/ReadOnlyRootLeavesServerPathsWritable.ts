import { PolicyInput, Rule, Verdict, verdict } from '../rule';
import { APP_IMAGE_ROLES, TmpfsMount, eachService, isUnder, serviceTarget, tmpfsOf, volumesOf } from '../private/compose';
import { composeServer, proxyFor } from '../private/context';
import { containerTarget, describeContainer, eachContainer, isAppWorkload, kubernetesServer } from '../private/kubernetes';

/** Whether the user `uid` may write to a tmpfs: docker's default mode is 1777; an explicit mode may take that away. */
function tmpfsWritableBy(mount: TmpfsMount, uid: string | undefined): boolean {
  const mode = mount.options.mode;
  if (mode === undefined) return true;
  const bits = parseInt(mode, 8);
  if (Number.isNaN(bits)) return false;
  if (bits & 0o002) return true;
  return mount.options.uid !== undefined && mount.options.uid === uid && (bits & 0o200) !== 0;
}

function composeVerdicts(input: PolicyInput): Verdict[] {
  return eachService(input.composes).flatMap(({ path, view, file, name, service, role }): Verdict[] => {
    if (!(service.read_only === true || service.read_only === 'true')) return [];
    const required: Array<{ dir: string; why: string }> = [];
    if (APP_IMAGE_ROLES.includes(role)) required.push(...view.image.security.writablePaths.map((dir) => ({ dir, why: 'a writable path of the image\'s security profile' })));
    if (role === 'app') {
      const server = composeServer(input, view)?.model;
      required.push(...(server?.writablePaths ?? []).map((dir) => ({ dir, why: `written by the app server (${server!.file})` })));
    }
    if (role === 'reverse-proxy') {
      const proxy = proxyFor(input, service)?.model;
      required.push(...(proxy?.writablePaths ?? []).map((dir) => ({ dir, why: `written by the proxy (${proxy!.file})` })));
    }
    const uid = service.user === undefined ? undefined : String(service.user).split(':')[0];
    const tmpfs = tmpfsOf(service);
    const volumes = volumesOf(service).filter((v) => v.type !== 'tmpfs' && !v.readOnly);
    const seen = new Set<string>();
    return required.filter((r) => !seen.has(r.dir) && seen.add(r.dir)).map(({ dir, why }) => {
      const shm = isUnder(dir, '/dev/shm') && service.ipc !== 'none' && String(service.shm_size ?? '') !== '0';
      const onTmpfs = tmpfs.filter((t) => isUnder(dir, t.path));
      const writableTmpfs = onTmpfs.some((t) => tmpfsWritableBy(t, uid));
      const onVolume = volumes.some((v) => isUnder(dir, v.target));
      return verdict(shm || writableTmpfs || onVolume, serviceTarget(file, name, `writable:${dir}`), path, file.path, () => onTmpfs.length > 0
        ? `service '${name}' mounts ${dir} as a tmpfs with mode ${onTmpfs[0].options.mode} in ${file.path}, which its user ${uid ?? '(image default)'} cannot write; ${dir} is ${why}`
        : `service '${name}' has a read-only root in ${file.path}, but ${dir} (${why}) is neither a tmpfs nor a writable volume`);
    });
  });
}

function kubernetesVerdicts(input: PolicyInput): Verdict[] {
  return eachContainer(input.kubernetes).flatMap(({ path, view, workload, container }): Verdict[] => {
    if (container.readOnlyRootFilesystem !== true || !container.appImage || !view.image) return [];
    const required: Array<{ dir: string; why: string }> = view.image.security.writablePaths.map((dir) => ({ dir, why: 'a writable path of the image\'s security profile' }));
    if (isAppWorkload(workload) && !container.init) {
      const server = kubernetesServer(input, view)?.model;
      required.push(...(server?.writablePaths ?? []).map((dir) => ({ dir, why: `written by the app server (${server!.file})` })));
    }
    const seen = new Set<string>();
    return required.filter((r) => !seen.has(r.dir) && seen.add(r.dir)).map(({ dir, why }) => {
      // The container runtime mounts a tmpfs at /dev/shm in every pod.
      const ok = isUnder(dir, '/dev/shm') || container.writablePaths.some((mount) => isUnder(dir, mount));
      return verdict(ok, containerTarget(workload, container, `writable:${dir}`), path, workload.file,
        () => `${describeContainer(workload, container)} has a read-only root, but ${dir} (${why}) is on no writable volume (an emptyDir mounted read-write)`);
    });
  });
}

/**
 * On a read-only root, every path the service's processes write is a tmpfs or a writable volume: the security
 * profile's writable paths, the directories the app server and its workers write (heartbeat files), the proxy's
 * pid and temp files. Otherwise the process fails at start, or at the first request that writes. On Kubernetes, a
 * container of the app image with a read-only root mounts a writable volume (emptyDir, ephemeral, a claim) there.
 */
export const ReadOnlyRootLeavesServerPathsWritable: Rule = {
  name: 'ReadOnlyRootLeavesServerPathsWritable',
  scope: 'cross-file',
  what: 'With a read-only root, every path the server, its workers and the proxy write is a tmpfs or a writable volume (Kubernetes: an emptyDir or a claim), writable by the service user',
  evaluate: (input) => [...composeVerdicts(input), ...kubernetesVerdicts(input)],
};
