import { Rule, verdict } from '../rule';
import { eachService, serviceTarget, volumesOf } from '../private/compose';

const SOCKETS = /(docker|containerd|podman|crio)\.sock$/;
const SYSTEM_DIRS = ['/', '/etc', '/proc', '/sys', '/dev', '/boot', '/root', '/run', '/var/run', '/var/lib/docker', '/usr', '/lib'];

/** No service mounts the container runtime's socket (root on the host) or a system directory of the host. */
export const ComposeNoDockerSocket: Rule = {
  name: 'ComposeNoDockerSocket',
  scope: 'single-file',
  what: "No compose service mounts the Docker (or containerd, podman) socket or a system directory of the host",
  evaluate: (input) => eachService(input.composes).map(({ path, file, name, service }) => {
    const bad = volumesOf(service).filter((v) => v.type === 'bind' || v.source.startsWith('/'))
      .map((v) => v.source.replace(/\/+$/, '') || '/')
      .filter((source) => SOCKETS.test(source) || SYSTEM_DIRS.includes(source));
    return verdict(bad.length === 0, serviceTarget(file, name, 'volumes'), path, file.path,
      () => `service '${name}' mounts ${bad.map((b) => `'${b}'`).join(', ')} from the host in ${file.path}: `
        + (bad.some((b) => SOCKETS.test(b)) ? 'the runtime socket gives root on the host' : 'a system directory of the host'));
  }),
};
