/** A reference: a benchmark item or another tool's check for the same thing. */
export interface RuleReference {
  /** e.g. `CIS Docker Benchmark 5.12`, `hadolint DL3002`, `Trivy DS002`, `KICS (compose) Privileged Containers Enabled`. */
  readonly name: string;
  /**
   * A link.
   * @default - none
   */
  readonly url?: string;
}

/** What every pack says about a rule besides its level. */
export interface RuleDoc {
  /** The stable id waivers and reports use, e.g. `KS-DF-001`. */
  readonly id: string;
  /** Why it matters. */
  readonly why: string;
  /** How to fix a finding, in Keelson's terms. */
  readonly fix: string;
  readonly references: readonly RuleReference[];
}

const cis = (item: string, title: string): RuleReference => ({ name: `CIS Docker Benchmark ${item} (${title})` });
const hadolint = (id: string): RuleReference => ({ name: `hadolint ${id}`, url: `https://github.com/hadolint/hadolint/wiki/${id}` });
const trivy = (id: string): RuleReference => ({ name: `Trivy ${id}` });
const kics = (query: string): RuleReference => ({ name: `KICS (docker compose) "${query}"` });
const none = (why: string): RuleReference => ({ name: `no single-file linter: ${why}` });
const pss = (level: 'baseline' | 'restricted', control: string): RuleReference =>
  ({ name: `Kubernetes Pod Security Standards, ${level}: ${control}`, url: 'https://kubernetes.io/docs/concepts/security/pod-security-standards/' });
const kubeLinter = (check: string): RuleReference => ({ name: `kube-linter ${check}`, url: 'https://docs.kubelinter.io/#/generated/checks' });
const checkov = (id: string, title: string): RuleReference => ({ name: `Checkov ${id} (${title})` });
const scorecard = (check: string): RuleReference => ({ name: `OpenSSF Scorecard ${check}`, url: `https://github.com/ossf/scorecard/blob/main/docs/checks.md#${check.toLowerCase()}` });
const zizmor = (audit: string): RuleReference => ({ name: `zizmor ${audit}`, url: `https://docs.zizmor.sh/audits/#${audit}` });

/**
 * The ids, explanations, fixes and references of every rule, by rule name. Ids never change meaning: a retired rule
 * keeps its id unused. DF: Dockerfile, CO: container runtime (compose services, and Kubernetes containers where the rule
 * means the same), NX: proxy config, X: across files, PL: the image pipeline (its CI
 * workflow; PL ids go to its cross-file rules too, so that they never collide with X ids taken elsewhere).
 */
export const RULE_DOCS: Readonly<Record<string, RuleDoc>> = {
  NonRootFinalUser: {
    id: 'KS-DF-001',
    why: 'A process that runs as root in the container is root on the host the moment it escapes, and can rewrite everything in the image.',
    fix: 'Keep `USER <uid>:<gid>` last in the runtime stage (the Dockerfile component writes it from the security profile); do not add a later USER root.',
    references: [cis('4.1', 'a user for the container has been created'), hadolint('DL3002'), trivy('DS002')],
  },
  BaseImageTagPinned: {
    id: 'KS-DF-002',
    why: "An untagged or 'latest' base image changes under the build: two builds of one commit differ, and a break arrives without a diff.",
    fix: "Give builderImage / runtimeImage a patch-level tag (the flavours' defaults are), or a digest.",
    references: [hadolint('DL3006'), hadolint('DL3007'), trivy('DS001')],
  },
  BaseImageDigestPinned: {
    id: 'KS-DF-003',
    why: 'A tag can be moved by whoever controls the registry; a digest names exactly the bytes that were reviewed and scanned.',
    fix: 'Set builderImageDigest and runtimeImageDigest (`docker buildx imagetools inspect <image>` prints them), and renew them on purpose.',
    references: [cis('4.2', 'containers use only trusted base images'), { name: 'OpenSSF Scorecard Pinned-Dependencies' }],
  },
  NoAddForLocalFiles: {
    id: 'KS-DF-004',
    why: 'ADD unpacks archives and fetches URLs: a local file that happens to be a tarball is expanded into the image.',
    fix: "Use COPY (dockerfile.runtime.add('COPY', ...)).",
    references: [cis('4.9', 'COPY is used instead of ADD'), hadolint('DL3020'), trivy('DS005')],
  },
  NoSecretsInArgOrEnv: {
    id: 'KS-DF-005',
    why: "Build arguments stay in the image's history and ENV in its config: anyone who can pull the image reads them.",
    fix: 'Pass build-time secrets with `RUN --mount=type=secret`, run-time ones through the runtime (compose secrets, *_FILE variables, an orchestrator secret).',
    references: [cis('4.10', 'secrets are not stored in Dockerfiles')],
  },
  ImageHealthCheckPresent: {
    id: 'KS-DF-006',
    why: 'Without a HEALTHCHECK, `docker run` and every runtime that honours it cannot tell a hung server from a working one.',
    fix: "Keep the Dockerfile's HEALTHCHECK (the component writes one that probes the endpoint with the image's own Python).",
    references: [cis('4.6', 'HEALTHCHECK instructions have been added to container images'), trivy('DS026')],
  },
  ExecFormEntrypoint: {
    id: 'KS-DF-007',
    why: 'In shell form /bin/sh is PID 1: SIGTERM never reaches the server, which is killed without draining its requests; a shell-less image cannot start at all.',
    fix: 'Write ENTRYPOINT and CMD as JSON arrays (execForm([...]) in an escape hatch).',
    references: [hadolint('DL3025')],
  },
  AptInstallMinimal: {
    id: 'KS-DF-008',
    why: 'Recommended packages and package lists enlarge the image and its attack surface without being used.',
    fix: 'Write apt-get install with --no-install-recommends and `rm -rf /var/lib/apt/lists/*` in the same RUN.',
    references: [hadolint('DL3015'), hadolint('DL3009'), trivy('DS029')],
  },
  NoPrivileged: {
    id: 'KS-CO-001',
    why: 'A privileged container has every capability and every device of the host: it is root on the host (on Kubernetes, on the node).',
    fix: "Remove `privileged` from the compose service, or from the container's securityContext (the Kubernetes component writes `privileged: false`); add back the one capability needed, with a reason (SecurityProfile addCapabilities + capabilityReasons).",
    references: [cis('5.4', 'privileged containers are not used'), kics('Privileged Containers Enabled'), pss('baseline', 'Privileged Containers'),
      kubeLinter('privileged-container'), checkov('CKV_K8S_16', 'Container should not be privileged'), trivy('KSV017')],
  },
  CapabilitiesDropped: {
    id: 'KS-CO-002',
    why: "The runtime's default capabilities (CHOWN, SETUID, NET_RAW, ...) are more than a web service needs; SYS_ADMIN and the like control the host.",
    fix: 'Keep `cap_drop: [ALL]` (ComposeService writes it) and `capabilities.drop: [ALL]` (the Kubernetes component writes it); add back only harmless capabilities, each with a reason (the restricted Pod Security Standard allows NET_BIND_SERVICE only).',
    references: [cis('5.3', 'Linux kernel capabilities are restricted within containers'), kics('Container Capabilities Unrestricted'), pss('restricted', 'Capabilities'),
      trivy('KSV003'), trivy('KSV005')],
  },
  NoDockerSocket: {
    id: 'KS-CO-003',
    why: 'The runtime socket (Docker, containerd, CRI-O) gives root on the host to whoever can write to it; a system directory of the host lets the container change the host.',
    fix: 'Remove the mount (a bind mount in compose, a hostPath volume in Kubernetes). Mount project files (./...) or named volumes in compose; emptyDir, configMap, secret or claims in Kubernetes.',
    references: [cis('5.31', 'the Docker socket is not mounted inside any containers'), cis('5.5', 'sensitive host system directories are not mounted'),
      kics('Docker Socket Mounted In Container'), kics('Volume Has Sensitive Host Directory'), pss('baseline', 'HostPath Volumes'),
      kubeLinter('docker-sock'), kubeLinter('sensitive-host-mounts'), checkov('CKV_K8S_27', 'Do not expose the docker daemon socket to containers'), trivy('KSV006')],
  },
  NoHostNamespaces: {
    id: 'KS-CO-004',
    why: "Sharing the host's network, PID, IPC, UTS or user namespace removes the isolation the container exists for.",
    fix: 'Remove network_mode/pid/ipc/uts/userns_mode: host from compose, hostNetwork/hostPID/hostIPC from the pod spec; publish ports (on Kubernetes, a Service) instead of using the host network.',
    references: [cis('5.9', "the host's network namespace is not shared"), cis('5.15', "the host's process namespace is not shared"),
      cis('5.16', "the host's IPC namespace is not shared"), kics('Host Namespace is Shared'), pss('baseline', 'Host Namespaces'),
      kubeLinter('host-network'), kubeLinter('host-pid'), kubeLinter('host-ipc'), trivy('KSV008'), trivy('KSV009'), trivy('KSV010')],
  },
  LimitsSet: {
    id: 'KS-CO-005',
    why: "Without CPU, memory and pids limits one runaway container (a leak, a fork bomb) starves the host and every other service. On Kubernetes the kubelet's podPidsLimit bounds the processes; the container sets CPU and memory.",
    fix: 'Give the service ResourceLimits (cpus, memoryMiB, pids): ComposeService writes deploy.resources.limits and pids_limit, the Kubernetes component resources.limits (with equal requests).',
    references: [cis('5.10', 'memory usage for container is limited'), cis('5.11', 'CPU priority is set appropriately'), cis('5.28', 'PIDs cgroup limit is used'),
      kics('Memory Not Limited'), kics('Cpus Not Limited'), kics('Pids Limit Not Set'), kubeLinter('unset-cpu-requirements'), kubeLinter('unset-memory-requirements'),
      checkov('CKV_K8S_11', 'CPU limits should be set'), checkov('CKV_K8S_13', 'Memory limits should be set'), trivy('KSV011'), trivy('KSV018')],
  },
  NoNewPrivileges: {
    id: 'KS-CO-006',
    why: 'Without no-new-privileges (on Kubernetes, allowPrivilegeEscalation: false, the same kernel flag) a process can become root through a setuid binary of the image.',
    fix: 'Keep the security profile\'s noNewPrivileges (default true): ComposeService writes `security_opt: ["no-new-privileges:true"]`, the Kubernetes component `allowPrivilegeEscalation: false`.',
    references: [cis('5.25', 'the container is restricted from acquiring additional privileges'), kics('No New Privileges Not Set'), pss('restricted', 'Privilege Escalation'),
      kubeLinter('privilege-escalation-container'), checkov('CKV_K8S_20', 'Containers should not run with allowPrivilegeEscalation'), trivy('KSV001')],
  },
  ReadOnlyRoot: {
    id: 'KS-CO-007',
    why: 'A writable root lets an attacker who runs code in the container change its programs and plant files that survive restarts of the process.',
    fix: 'Keep readOnlyRootFilesystem (default true) and list what the service writes in writablePaths (a tmpfs in compose, an emptyDir in Kubernetes) or mounts.',
    references: [cis('5.12', "the container's root filesystem is mounted as read only"), kubeLinter('no-read-only-root-fs'),
      checkov('CKV_K8S_22', 'Use read-only filesystem for containers where possible'), trivy('KSV014')],
  },
  NonRootUser: {
    id: 'KS-CO-008',
    why: "A compose service without `user:`, or a Kubernetes container without runAsUser or runAsNonRoot, runs as its image's default user, which is root for most images.",
    fix: "Give the service a SecurityProfile with the image's non-root uid and gid (postgres and redis: 999, nginx-unprivileged: 101); the Kubernetes component writes runAsNonRoot: true with the profile's runAsUser and runAsGroup.",
    references: [cis('4.1', 'a user for the container has been created'), cis('5.23', 'docker exec commands are not used with the user=root option'),
      pss('restricted', 'Running as Non-root'), pss('restricted', 'Running as Non-root user'), kubeLinter('run-as-non-root'),
      checkov('CKV_K8S_23', 'Minimize the admission of root containers'), trivy('KSV012')],
  },
  DataServicesNotExposed: {
    id: 'KS-CO-009',
    why: 'A database or broker published on every interface, or behind a NodePort or LoadBalancer Service, is reachable from the LAN, and from the internet behind a careless firewall.',
    fix: "Publish data services on 127.0.0.1 only (PortMapping hostIp, Keelson's default), or not at all in production; on Kubernetes, reach them through a ClusterIP or headless Service guarded by NetworkPolicies (the Kubernetes component's in-cluster PostgreSQL and Redis), with no hostPort.",
    references: [cis('5.13', 'incoming container traffic is bound to a specific host interface'), kics('Container Traffic Not Bound To Host Interface'),
      kubeLinter('exposed-services'), pss('baseline', 'Host Ports')],
  },
  PortsBoundToInterface: {
    id: 'KS-CO-010',
    why: 'Every port published on all interfaces is attack surface; in a deployment with a proxy (on Kubernetes, the ingress controller), the proxy is the only door.',
    fix: 'Publish the service on 127.0.0.1 (hostIp), or reach it through the proxy; on Kubernetes, through a ClusterIP Service behind the Ingress, with no NodePort, LoadBalancer, externalIPs or hostPort.',
    references: [cis('5.13', 'incoming container traffic is bound to a specific host interface'), kics('Container Traffic Not Bound To Host Interface'),
      kubeLinter('exposed-services'), pss('baseline', 'Host Ports'), trivy('KSV024')],
  },
  ImagesPinned: {
    id: 'KS-CO-011',
    why: "An untagged or 'latest' image changes at the next pull: an upgrade nobody reviewed, or a break nobody can bisect.",
    fix: "Give the image a fixed tag, e.g. postgres:18.6-bookworm (Keelson's defaults are); the Kubernetes component's imageName needs a tag or a digest.",
    references: [kics('Image Version Using \'latest\''), kics('Image Version Not Explicit'), kubeLinter('latest-tag'),
      checkov('CKV_K8S_14', 'Image Tag should be fixed - not latest or blank'), trivy('KSV013')],
  },
  ImageDigestPinned: {
    id: 'KS-CO-012',
    why: 'A tag can be moved by whoever controls the registry; a digest pins exactly the bytes that were reviewed. A cluster pulls every image, the app image too.',
    fix: 'Append @sha256:<digest> to the image (the *_IMAGE variables keep it overridable in compose; the Kubernetes component takes `repository@sha256:...` as imageName and as the postgres and redis image).',
    references: [{ name: 'OpenSSF Scorecard Pinned-Dependencies' }, checkov('CKV_K8S_43', 'Image should use digest')],
  },
  SecretsNotInline: {
    id: 'KS-CO-013',
    why: 'A password written in a committed compose file or manifest is in the repository history forever, and a default password is the same one everywhere. A ConfigMap is plain text; a Secret written in k8s/ is base64, not encrypted.',
    fix: "Use ComposeValue.required(NAME, message) (`${NAME:?message}`) or passwords: 'files' (compose secrets and *_FILE variables); on Kubernetes, read it from a Secret the cluster holds (`valueFrom.secretKeyRef`: the Kubernetes component's urlSecret and passwordSecret) created outside the repository.",
    references: [kics('Passwords And Secrets - Generic Password'), kubeLinter('env-var-secret')],
  },
  HealthChecks: {
    id: 'KS-CO-014',
    why: 'A hung process without a health check (on Kubernetes, a readiness or liveness probe) looks alive: nothing waits for it to recover, nothing restarts it.',
    fix: 'Give the service a healthCheck that works inside its image (a ready endpoint, `celery inspect ping -d celery@$HOSTNAME`, an nginx location); the Kubernetes component probes the app (its health path) and the worker (a Celery ping). One-shot jobs need none.',
    references: [cis('5.26', 'container health is checked at runtime'), kics('Healthcheck Not Set'), kubeLinter('no-liveness-probe'), kubeLinter('no-readiness-probe'),
      checkov('CKV_K8S_8', 'Liveness Probe Should be Configured'), checkov('CKV_K8S_9', 'Readiness Probe Should be Configured')],
  },
  ProxyTlsModern: {
    id: 'KS-NX-001',
    why: 'SSLv3, TLS 1.0 and 1.1 have known attacks and are deprecated (RFC 8996).',
    fix: "Use the TLS profile 'intermediate' or 'modern' (NginxConfig tls.profile).",
    references: [{ name: 'RFC 8996', url: 'https://www.rfc-editor.org/rfc/rfc8996' }, { name: 'Mozilla Server Side TLS' }],
  },
  ProxyHidesVersion: {
    id: 'KS-NX-002',
    why: 'A version in every response tells a scanner which known vulnerabilities to try.',
    fix: 'Keep `server_tokens off` (NginxConfig writes it).',
    references: [{ name: 'CIS NGINX Benchmark 2.5.1 (server_tokens directive is set to off)' }],
  },
  HealthCheckProbesServedEndpoint: {
    id: 'KS-X-001',
    why: 'A health check on a port the server does not bind, or a path it does not serve, marks a working container unhealthy: compose never starts what waits for it, Kubernetes never sends it traffic and restarts it forever.',
    fix: 'Pass one ServiceEndpoint to the app server and the Dockerfile (the Kubernetes component probes its health path on the named port http); do not set PORT differently in compose or a ConfigMap than the probe reads.',
    references: [none('the probe lives in the Dockerfile, compose or the pod spec, the bind in the app server\'s config')],
  },
  ExposedPortMatchesServer: {
    id: 'KS-X-002',
    why: "EXPOSE documents the port to `docker run -P`, to orchestrator UIs and to readers; a wrong one sends traffic nowhere. On Kubernetes the containerPort is what a Service's named targetPort and the probes resolve.",
    fix: 'Pass one ServiceEndpoint to the app server and the Dockerfile (the Kubernetes component declares the image\'s port).',
    references: [none('EXPOSE is in the Dockerfile, containerPort in the pod spec, the bind in the app server\'s config')],
  },
  WritablePathsOwnedByRuntimeUser: {
    id: 'KS-X-003',
    why: 'A directory the server must write but root owns is not writable once it is a volume or the root is writable: the first upload or cache write fails.',
    fix: "Keep the Dockerfile's `COPY --chown=<uid>:<gid>` of each writable path, with the uid and gid of the final USER.",
    references: [none('the owner is set in the Dockerfile, the path in the security profile, the user by USER or the runtime')],
  },
  ReadOnlyRootLeavesServerPathsWritable: {
    id: 'KS-X-004',
    why: 'On a read-only root, a path the server, its workers or the proxy write that is no tmpfs or volume makes them fail at start or at the first write.',
    fix: "Add the path to the service's writablePaths (a tmpfs in compose, an emptyDir in Kubernetes) or mount a volume there; keep a tmpfs mode writable by the service's user.",
    references: [none('the paths come from the app server\'s and the proxy\'s configs, the mounts from compose or the pod spec')],
  },
  ProxyUpstreamReachesAppServer: {
    id: 'KS-X-005',
    why: "An upstream (a Kubernetes Ingress backend) that names no service, a service on no shared network (or behind NetworkPolicies that do not admit the port), or a port the app does not bind is a 502 on every request.",
    fix: "Give NginxConfig the app server (upstream) and upstreamHost of the compose app service; keep nginx and the app on the edge network. On Kubernetes, keep the Ingress on the app Service's port http, whose targetPort names the app container's port.",
    references: [none('the upstream is in nginx.conf or an Ingress, the services and networks in compose or the manifests, the port in the app server\'s config')],
  },
  ProxyTimeoutsMatchAppServer: {
    id: 'KS-X-006',
    why: "If the app server closes idle connections first, the proxy reuses one being closed (a 502 on a POST it cannot retry); if the proxy stops waiting first, it answers 504 while the app still works.",
    fix: "Pass the same GunicornConfig to NginxConfig (upstream), to Compose and to Kubernetes (appServer); keep upstreamIdleTimeoutSeconds below its keep-alive and proxyReadTimeoutSeconds (the Ingress's readTimeoutSeconds) at least its timeout.",
    references: [none('the timeouts are in nginx.conf or the Ingress annotations, and in gunicorn.conf.py')],
  },
  StopGracePeriodCoversGracefulTimeout: {
    id: 'KS-X-007',
    why: "If compose or Kubernetes kills the container before the server's graceful timeout, every deploy cuts off in-flight requests.",
    fix: "Keep Compose's stop_grace_period and the Kubernetes component's terminationGracePeriodSeconds (graceful timeout + 5 s), or lower the app server's gracefulTimeoutSeconds.",
    references: [none('the grace period is in compose or the pod spec, the graceful timeout in gunicorn.conf.py')],
  },
  InterpreterMatchesVirtualenv: {
    id: 'KS-X-008',
    why: 'A copied virtualenv links to the interpreter that built it; a runtime image without that interpreter at that path (another minor, another distribution) fails at start with "No such file".',
    fix: "Use one flavour and Python version for both stages; do not override BUILDER_IMAGE / RUNTIME_IMAGE in compose with another Python.",
    references: [none('the interpreter depends on the base images, which the Dockerfile and compose\'s build args choose')],
  },
  DatabaseConnectionBudget: {
    id: 'KS-X-009',
    why: 'When app replicas x workers x pool exceed max_connections, requests fail with "too many clients" under load, never in tests.',
    fix: 'Raise postgres.maxConnections (and its memory), or lower app replicas, workers, worker concurrency or database.poolSize/maxOverflow.',
    references: [none('max_connections is in the database service, replicas and workers in the app service and gunicorn.conf.py, the pool in the app')],
  },
  RuntimeUserAgrees: {
    id: 'KS-X-010',
    why: 'The image gives its writable paths to one uid; run as another (compose user:, Kubernetes runAsUser), the server owns nothing it must write.',
    fix: 'Pass one SecurityProfile to the Dockerfile (compose and Kubernetes take the image\'s); do not override user: for the app image.',
    references: [none('USER is in the Dockerfile, user: in compose, runAsUser in Kubernetes')],
  },
  ForwardedHeadersTrusted: {
    id: 'KS-X-011',
    why: "If the app server does not trust the proxy's address, it ignores X-Forwarded-For/Proto: every client has the proxy's address (logs, rate limits) and the scheme is http (redirects, secure cookies). Trusting '*' while the app is published (on Kubernetes, exposed outside the cluster or reachable by any pod) lets any client forge them.",
    fix: "Give the proxy a fixed address on the shared network and list it in the app server's forwardedAllowIps (or FORWARDED_ALLOW_IPS in compose), or list the network's subnet. On Kubernetes, set FORWARDED_ALLOW_IPS to '*' (the Kubernetes component's environment) while its NetworkPolicies admit only the ingress controller, or to the pod network.",
    references: [none('the trusted addresses are in gunicorn.conf.py, the proxy\'s address is decided by compose\'s networks or the pod network')],
  },
  ProxyConfigMounted: {
    id: 'KS-X-012',
    why: "A proxy container that does not mount the generated config runs its image's default: no TLS, no upstream, no limits.",
    fix: 'Keep the nginx service\'s configFile at the NginxConfig file (nginx/nginx.conf), mounted read-only at /etc/nginx/nginx.conf.',
    references: [none('the file is generated by the proxy component, mounted by compose')],
  },
  BuildContextExcludesSecrets: {
    id: 'KS-X-013',
    why: 'Whatever the build context holds can end up in a layer: a COPY of a directory takes its .env and keys along.',
    fix: 'Add the DockerIgnore component (its defaults exclude .env files, keys, certificates and .git at any depth).',
    references: [cis('4.10', 'secrets are not stored in Dockerfiles'), none('what is copied is in the Dockerfile, what is excluded in .dockerignore')],
  },
  ImageHealthCheckFitsRole: {
    id: 'KS-X-014',
    why: "Compose runs the image's HEALTHCHECK in every container of the image that sets no health check of its own. The app image's probes the app server's port, which nothing answers in the Celery worker, beat or the migration job: Docker reports them unhealthy, and whatever waits for them to be healthy never starts.",
    fix: 'Keep the Compose component\'s health checks: the worker pings its own Celery node (worker.healthCheck), beat and the migration job turn the image\'s check off (`healthcheck: { disable: true }`, disableImageHealthCheck on a ComposeService of your own).',
    references: [none('the HEALTHCHECK is in the Dockerfile, the role that cannot pass it in compose'),
      { name: 'Compose Specification: healthcheck (disable, and a test that overrides the image\'s)', url: 'https://github.com/compose-spec/compose-spec/blob/main/spec.md#healthcheck' }],
  },
  PushedImageScanned: {
    id: 'KS-PL-001',
    why: 'A scan that reports without failing, or a push that does not wait for it, publishes the image whatever the scan finds: the gate is only a gate if the push depends on its success.',
    fix: "Keep the ImagePipeline's scan job in the push job's `needs:` and the Trivy step's `exit-code: '1'`; accept a known vulnerability in the pipeline's `ignore` (reason and expiry), not by weakening the gate.",
    references: [{ name: 'SLSA v1.0 Build track (what is published is what was built and verified)', url: 'https://slsa.dev/spec/v1.0/levels' },
      { name: 'Trivy action exit-code', url: 'https://github.com/aquasecurity/trivy-action#inputs' }],
  },
  ActionsPinnedBySha: {
    id: 'KS-PL-002',
    why: "A tag or branch of an action is moved by whoever controls its repository: the next run executes their code with the job's token and secrets (tj-actions/changed-files, CVE-2025-30066). A full commit SHA cannot be moved.",
    fix: "Write `owner/repo@<40-hex sha>` with the version in a comment (@keelson/pipeline's PINNED_ACTIONS does for its own); let Renovate's pinDigests keep it current.",
    references: [scorecard('Pinned-Dependencies'), zizmor('unpinned-uses'),
      { name: 'GitHub security hardening for Actions: pin actions to a full-length commit SHA', url: 'https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#using-third-party-actions' }],
  },
  PushedImageSigned: {
    id: 'KS-PL-003',
    why: 'Without a signature a deployment cannot tell the image this workflow pushed from one pushed with a stolen registry token; keyless cosign ties it to the workflow identity in a public log.',
    fix: "Keep the ImagePipeline's `sign` (default true): it installs cosign and signs the pushed digest keyless after the push.",
    references: [{ name: 'Sigstore cosign keyless signing', url: 'https://docs.sigstore.dev/cosign/signing/overview/' },
      { name: 'SLSA v1.0 provenance (authenticity of the artifact)', url: 'https://slsa.dev/spec/v1.0/provenance' }],
  },
  WorkflowTokenLeastPrivilege: {
    id: 'KS-PL-004',
    why: "Every step of a job (each action and each dependency its tests install) can use the job's token: a write scope there lets a compromised step push an image, sign as the repository (id-token) or change the code.",
    fix: "Keep `permissions: {}` at the workflow level and give each job only what its steps use (the ImagePipeline does: contents: read; packages: write and id-token: write on the push job only); waive a write scope a job of your own really uses, with the reason.",
    references: [scorecard('Token-Permissions'), zizmor('excessive-permissions'),
      { name: 'GitHub: permissions for the GITHUB_TOKEN', url: 'https://docs.github.com/en/actions/security-for-github-actions/security-guides/automatic-token-authentication#permissions-for-the-github_token' }],
  },
  PipelineBuildsGeneratedDockerfile: {
    id: 'KS-PL-005',
    why: 'The policy checks the Dockerfile the project generates; a pipeline that builds another file scans, signs and publishes an image nobody checked.',
    fix: "Give the ImagePipeline the Dockerfile component as `image` (its file, context and target), and keep the build steps' `file` at it.",
    references: [none('the Dockerfile is generated by one component, built by the workflow of another')],
  },
};
