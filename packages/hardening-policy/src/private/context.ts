import { AppServerView, ComposeServiceView, ComposeView, DockerfileView, IAppServer, IContainerImage } from '@keelson/core';
import { Located, PolicyInput } from '../rule';
import { argvOf, environmentOf, volumesOf } from './compose';
import { execArgs, finalStage, last, stageEnv } from './dockerfile';
import { bindPort } from './probe';

/** The resolved model of the app server `server`, if the project registered one. */
export function serverViewFor(input: PolicyInput, server: IAppServer | undefined): Located<AppServerView> | undefined {
  if (!server) return undefined;
  return input.appServers.find((s) => s.model.server === server);
}

/** The Dockerfile that builds `image`, if the project has it. */
export function dockerfileFor(input: PolicyInput, image: IContainerImage | undefined): Located<DockerfileView> | undefined {
  if (!image) return undefined;
  return input.dockerfiles.find((d) => d.model.image === image) ?? (input.dockerfiles.length === 1 ? input.dockerfiles[0] : undefined);
}

/** The variables the image sets (ENV of its final stage). */
export function imageEnvironment(dockerfile: DockerfileView | undefined): Record<string, string> {
  const stage = dockerfile ? finalStage(dockerfile) : undefined;
  return stage ? stageEnv(stage) : {};
}

/** What the image runs: ENTRYPOINT then CMD, exec form. */
export function imageArgv(dockerfile: DockerfileView | undefined): string[] {
  const stage = dockerfile ? finalStage(dockerfile) : undefined;
  if (!stage) return [];
  return [...(execArgs(last(stage, 'ENTRYPOINT')?.args ?? '') ?? []), ...(execArgs(last(stage, 'CMD')?.args ?? '') ?? [])];
}

/** What a compose service runs: its entrypoint and command, each falling back to the image's. */
export function serviceArgv(service: ComposeServiceView, dockerfile: DockerfileView | undefined): string[] {
  const stage = dockerfile ? finalStage(dockerfile) : undefined;
  const entrypoint = service.entrypoint !== undefined ? argvOf(service.entrypoint)
    : execArgs(stage ? last(stage, 'ENTRYPOINT')?.args ?? '' : '') ?? [];
  const command = service.command !== undefined ? argvOf(service.command)
    : service.entrypoint !== undefined ? [] : execArgs(stage ? last(stage, 'CMD')?.args ?? '' : '') ?? [];
  return [...entrypoint, ...command];
}

/** The variables a compose service's processes see: the image's, then the service's. */
export function serviceEnvironment(service: ComposeServiceView, dockerfile: DockerfileView | undefined): Record<string, string> {
  return { ...imageEnvironment(dockerfile), ...environmentOf(service) };
}

/**
 * The port the server of a container binds: a `--port N` or `--bind host:N` on its command line (uvicorn, gunicorn)
 * wins; else the app server's config file, whose port variable may replace it; else `fallback`.
 */
export function servedPort(argv: readonly string[], env: Readonly<Record<string, string>>, server: AppServerView | undefined, fallback?: number): number | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const inline = /^--(port|bind)=(.+)$/.exec(arg);
    if (inline) return inline[1] === 'port' ? Number(inline[2]) : bindPort(inline[2]);
    if (arg === '--port' && argv[i + 1] !== undefined) return Number(argv[i + 1]);
    if ((arg === '--bind' || arg === '-b') && argv[i + 1] !== undefined) return bindPort(argv[i + 1]);
  }
  if (server) {
    const fromEnv = server.portVariable ? env[server.portVariable] : undefined;
    if (fromEnv !== undefined && /^\d+$/.test(fromEnv)) return Number(fromEnv);
    const bound = server.binds.map(bindPort).find((p) => p !== undefined);
    if (bound !== undefined) return bound;
  }
  return fallback;
}

/** The app server a compose deployment runs, as a resolved model. */
export function composeServer(input: PolicyInput, view: ComposeView): Located<AppServerView> | undefined {
  return serverViewFor(input, view.appServer ?? dockerfileFor(input, view.image)?.model.appServer);
}

/** The reverse proxy whose config file a compose service mounts (or the project's only proxy, for a proxy service). */
export function proxyFor(input: PolicyInput, service: ComposeServiceView): Located<import('@keelson/core').ReverseProxyView> | undefined {
  const mounted = volumesOf(service).map((v) => v.source.replace(/^\.\//, ''));
  return input.proxies.find((p) => mounted.includes(p.model.file)) ?? (input.proxies.length === 1 ? input.proxies[0] : undefined);
}
