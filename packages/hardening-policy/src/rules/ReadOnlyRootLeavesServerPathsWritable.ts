import { Rule, Verdict, verdict } from '../rule';
import { APP_IMAGE_ROLES, TmpfsMount, eachService, isUnder, serviceTarget, tmpfsOf, volumesOf } from '../private/compose';
import { composeServer, proxyFor } from '../private/context';

/** Whether the user `uid` may write to a tmpfs: docker's default mode is 1777; an explicit mode may take that away. */
function tmpfsWritableBy(mount: TmpfsMount, uid: string | undefined): boolean {
  const mode = mount.options.mode;
  if (mode === undefined) return true;
  const bits = parseInt(mode, 8);
  if (Number.isNaN(bits)) return false;
  if (bits & 0o002) return true;
  return mount.options.uid !== undefined && mount.options.uid === uid && (bits & 0o200) !== 0;
}

/**
 * On a read-only root, every path the service's processes write is a tmpfs or a writable volume: the security
 * profile's writable paths, the directories the app server and its workers write (heartbeat files), the proxy's
 * pid and temp files. Otherwise the process fails at start, or at the first request that writes.
 */
export const ReadOnlyRootLeavesServerPathsWritable: Rule = {
  name: 'ReadOnlyRootLeavesServerPathsWritable',
  scope: 'cross-file',
  what: 'With a read-only root, every path the server, its workers and the proxy write is a tmpfs or a writable volume, writable by the service user',
  evaluate: (input) => eachService(input.composes).flatMap(({ path, view, file, name, service, role }): Verdict[] => {
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
  }),
};
