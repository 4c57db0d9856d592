import { AppServerView } from '@keelson/core';
import { Rule, Verdict, verdict } from '../rule';
import { eachService, healthCheckArgv, serviceTarget } from '../private/compose';
import { composeServer, dockerfileFor, imageArgv, imageEnvironment, serverViewFor, serviceArgv, serviceEnvironment, servedPort } from '../private/context';
import { finalStage, healthCheckCommand, last } from '../private/dockerfile';
import {
  containerArgv, containerEnvironment, containerTarget, describeContainer, eachContainer, isAppWorkload, kubernetesServer,
} from '../private/kubernetes';
import { ProbeTarget, probeTarget } from '../private/probe';

function check(probe: ProbeTarget, env: Record<string, string>, served: number | undefined, healthPath: string,
  target: string, path: string, file: string, where: string): Verdict {
  const fromEnv = probe.portVariable ? env[probe.portVariable] : undefined;
  const probed = fromEnv !== undefined && /^\d+$/.test(fromEnv) ? Number(fromEnv) : probe.port;
  const problems = [
    served !== undefined && probed !== served ? `probes port ${probed ?? `$${probe.portVariable}`}, but the server binds ${served}` : undefined,
    probe.path !== undefined && probe.path !== healthPath ? `requests ${probe.path}, but the server's health path is ${healthPath}` : undefined,
  ].filter((p): p is string => p !== undefined);
  return verdict(problems.length === 0, target, path, file, () => `${where} ${problems.join(', and ')}: the container would never be healthy`);
}

function healthPathOf(server: AppServerView | undefined, fallback: string): string {
  return server?.server.endpoint.healthPath ?? fallback;
}

/**
 * The health checks (the image's, compose's, and the Kubernetes app container's HTTP and TCP probes) probe the port
 * the server binds and the path it serves.
 */
export const HealthCheckProbesServedEndpoint: Rule = {
  name: 'HealthCheckProbesServedEndpoint',
  scope: 'cross-file',
  what: "The image's and compose's health checks, and the Kubernetes app container's probes, probe the port the app server binds and the health path it serves",
  evaluate: (input) => {
    const verdicts: Verdict[] = [];
    for (const { path, model } of input.dockerfiles) {
      const stage = finalStage(model);
      const instruction = stage ? last(stage, 'HEALTHCHECK') : undefined;
      const argv = instruction ? healthCheckCommand(instruction.args) : undefined;
      const probe = argv ? probeTarget(argv) : undefined;
      if (!stage || !probe) continue;
      const server = serverViewFor(input, model.appServer)?.model;
      const env = imageEnvironment(model);
      const served = servedPort(imageArgv(model), env, server, model.image.endpoint.port);
      verdicts.push(check(probe, env, served, healthPathOf(server, model.image.endpoint.healthPath),
        `${model.file}#stage/${stage.name}/HEALTHCHECK`, path, model.file, `the image's HEALTHCHECK (${model.file})`));
    }
    for (const { path, view, file, name, service, role } of eachService(input.composes)) {
      if (role !== 'app') continue;
      const argv = healthCheckArgv(service);
      const probe = argv ? probeTarget(argv) : undefined;
      if (!probe) continue;
      const dockerfile = dockerfileFor(input, view.image)?.model;
      const server = composeServer(input, view)?.model;
      const env = serviceEnvironment(service, dockerfile);
      const served = servedPort(serviceArgv(service, dockerfile), env, server, view.image.endpoint.port);
      verdicts.push(check(probe, env, served, healthPathOf(server, view.image.endpoint.healthPath),
        serviceTarget(file, name, 'healthcheck'), path, file.path, `service '${name}' of ${file.path}: its health check`));
    }
    for (const { path, view, workload, container } of eachContainer(input.kubernetes)) {
      if (!container.appImage || container.init || !isAppWorkload(workload)) continue;
      const server = kubernetesServer(input, view)?.model;
      const env = containerEnvironment(input, view, container);
      const served = servedPort(containerArgv(input, view, container), env, server, view.image?.endpoint.port);
      const healthPath = healthPathOf(server, view.image?.endpoint.healthPath ?? '/');
      for (const probe of container.probes.filter((p) => p.handler === 'httpGet' || p.handler === 'tcpSocket')) {
        const target = containerTarget(workload, container, `${probe.kind}Probe`);
        const where = `the ${probe.kind} probe of ${describeContainer(workload, container)}`;
        if (typeof probe.port !== 'number') {
          verdicts.push(verdict(false, target, path, workload.file, () => `${where} names port '${probe.port}', which no container port of it has: `
            + 'the container would never be ready'));
          continue;
        }
        verdicts.push(check({ port: probe.port, path: probe.path }, env, served, healthPath, target, path, workload.file, where));
      }
    }
    return verdicts;
  },
};
