import { Compose, ComposeNetworks, ComposeProps, PostgresOptions, RedisOptions } from '@keelson/compose';
import { KeelsonConfigError, ResourceLimits, SecurityProfile, ServiceEndpoint, locate } from '@keelson/core';
import { DockerIgnore, Dockerfile, DockerfileProps, ImageLabels, RuntimeFlavourName } from '@keelson/dockerfile';
import { GunicornConfig, GunicornConfigProps } from '@keelson/gunicorn';
import { HardeningPolicy, HardeningPolicyProps, Waiver } from '@keelson/hardening-policy';
import { Kubernetes, KubernetesProps } from '@keelson/kubernetes';
import { NginxConfig, NginxConfigProps } from '@keelson/nginx';
import { Component, Project } from 'projen';
import { DeploymentDoc } from './deployment-doc';

/**
 * Kubernetes manifests from the same declaration: the image as the cluster pulls it, and anything of the Kubernetes
 * component's props to change. The rest follows the service: the image contract, gunicorn (its worker count per pod),
 * the limits, the app module, the Ingress host (the first domain), PostgreSQL and Redis as external services whose
 * connection URLs come from Secrets, a Celery worker and beat when `celery` is on.
 */
export interface FastApiKubernetesOptions extends Partial<Omit<KubernetesProps, 'image' | 'appServer' | 'imageName'>> {
  /** The image as the cluster pulls it, e.g. `ghcr.io/acme/api:1.4.2` or `ghcr.io/acme/api@sha256:...`. */
  readonly imageName: string;
}

/** TLS at nginx: the certificate and key reach nginx as compose secrets, never baked into an image. */
export interface FastApiTlsOptions {
  /**
   * The certificate chain on the host, relative to the project; never generated, never committed.
   * @default './secrets/tls_certificate.pem'
   */
  readonly certificateFile?: string;
  /**
   * The private key on the host, relative to the project; never generated, never committed.
   * @default './secrets/tls_private_key.pem'
   */
  readonly certificateKeyFile?: string;
  /**
   * Send HSTS (`Strict-Transport-Security`, max-age two years).
   * @default true
   */
  readonly hsts?: boolean;
}

/** Props of FastApiService: what the service is; every file is derived from them. */
export interface FastApiServiceProps {
  /**
   * The ASGI application, `module:attribute`.
   * @default 'app.main:app'
   */
  readonly appModule?: string;
  /**
   * The runtime flavour of the image: `slim`, `distroless` or `chainguard`.
   * @default 'slim'
   */
  readonly flavour?: RuntimeFlavourName;
  /**
   * The Python minor version; must be one the flavour ships.
   * @default - the flavour's default: '3.12' (slim), '3.11' (distroless), 'latest' (chainguard)
   */
  readonly pythonVersion?: string;
  /**
   * The port the app server binds inside the container.
   * @default 8000
   */
  readonly port?: number;
  /**
   * The path that answers 2xx when the service is ready.
   * @default '/health'
   */
  readonly healthPath?: string;
  /**
   * What one app container gets: gunicorn sizes its workers for it, compose enforces it.
   * @default - 1 CPU, 512 MiB, 256 processes
   */
  readonly limits?: ResourceLimits;
  /**
   * App containers `compose up` starts in production.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * The most app containers `--scale app=N` may start in production: PostgreSQL's connection budget counts this many.
   * @default - `replicas`
   */
  readonly maxReplicas?: number;
  /**
   * Who the server runs as and what it may write.
   * @default - uid and gid 65532, read-only root, /tmp writable
   */
  readonly security?: SecurityProfile;
  /**
   * PostgreSQL: `true` for Keelson's defaults, or its options.
   * @default false
   */
  readonly postgres?: boolean | PostgresOptions;
  /**
   * Redis: `true` for Keelson's defaults, or its options.
   * @default false
   */
  readonly redis?: boolean | RedisOptions;
  /**
   * A Celery worker and Celery beat, with Redis as their broker (so it needs `redis`).
   * @default false
   */
  readonly celery?: boolean;
  /**
   * Mailpit, a mail catcher, in development only.
   * @default false
   */
  readonly mail?: boolean;
  /**
   * The domain names nginx answers for.
   * @default ['localhost']
   */
  readonly domains?: string[];
  /**
   * TLS at nginx: `true` for the default secret files, its options, or `false` for plain HTTP (and no HSTS).
   * @default true
   */
  readonly tls?: boolean | FastApiTlsOptions;
  /**
   * The fixed subnet of the production `edge` network (nginx to the app), trusted by gunicorn for X-Forwarded-*:
   * without one, docker picks the subnet and the app sees nginx as every client and `http` as the scheme.
   * Pick a private range no host network of yours uses; `false` leaves the subnet to docker and trusts loopback only.
   * @default '172.30.253.0/24'
   */
  readonly edgeSubnet?: string | false;
  /**
   * OCI labels of the image.
   * @default - title from the project name
   */
  readonly labels?: ImageLabels;
  /**
   * The hardening policy's packs and waivers, or `false` for none (not recommended).
   * @default - the baseline pack, no waiver
   */
  readonly policy?: HardeningPolicyProps | false;
  /**
   * Write DEPLOYMENT.md: the topology as a Mermaid diagram, how to build, run, scale, rotate secrets and upgrade.
   * @default true
   */
  readonly deploymentDoc?: boolean;
  /**
   * Props passed to the Dockerfile component, over the ones FastApiService derives.
   * @default - none
   */
  readonly dockerfileOverrides?: Partial<DockerfileProps>;
  /**
   * Props passed to the gunicorn component, over the ones FastApiService derives.
   * @default - none
   */
  readonly gunicornOverrides?: Partial<GunicornConfigProps>;
  /**
   * Props passed to the nginx component, over the ones FastApiService derives.
   * @default - none
   */
  readonly nginxOverrides?: Partial<NginxConfigProps>;
  /**
   * Props passed to the compose component, over the ones FastApiService derives.
   * @default - none
   */
  readonly composeOverrides?: Partial<ComposeProps>;
  /**
   * Kubernetes manifests (`k8s/*.yaml`) besides the compose files, for teams that outgrow one host.
   * @default - none
   */
  readonly kubernetes?: FastApiKubernetesOptions;
}

/** The compose secret names of the TLS files. */
export const TLS_SECRETS = { certificate: 'tls_certificate', certificateKey: 'tls_private_key' } as const;

/**
 * One declaration for the whole FastAPI deployment: the image, gunicorn, nginx, the compose files, the hardening
 * policy and DEPLOYMENT.md, with one endpoint, one security profile and one set of limits shared by all.
 *
 * Every component is reachable (`service.dockerfile`, `service.gunicorn`, `service.nginx`, `service.compose`,
 * `service.policy`): what you change on their models is what is written, and what the policy checks.
 */
export class FastApiService extends Component {
  public static readonly DEFAULT_DOMAINS: readonly string[] = ['localhost'];
  public static readonly DEFAULT_TLS_CERTIFICATE_FILE = './secrets/tls_certificate.pem';
  public static readonly DEFAULT_TLS_KEY_FILE = './secrets/tls_private_key.pem';
  public static readonly DEFAULT_EDGE_SUBNET = '172.30.253.0/24';

  public readonly appModule: string;
  public readonly endpoint: ServiceEndpoint;
  public readonly security: SecurityProfile;
  public readonly limits: ResourceLimits;
  public readonly domains: readonly string[];
  /** Whether nginx terminates TLS. */
  public readonly tls: boolean;
  /** Whether nginx sends HSTS. */
  public readonly hsts: boolean;
  /** The fixed subnet of the production edge network, if any. */
  public readonly edgeSubnet?: string;
  public readonly gunicorn: GunicornConfig;
  public readonly dockerfile: Dockerfile;
  public readonly dockerignore: DockerIgnore;
  public readonly nginx: NginxConfig;
  public readonly compose: Compose;
  /** The Kubernetes manifests, when `kubernetes` is given. */
  public readonly kubernetes?: Kubernetes;
  /** The hardening policy, unless `policy: false`. */
  public readonly policy?: HardeningPolicy;
  /** DEPLOYMENT.md, unless `deploymentDoc: false`. */
  public readonly deploymentDoc?: DeploymentDoc;

  public constructor(project: Project, props: FastApiServiceProps = {}) {
    super(project, 'FastApiService');
    const celery = props.celery ?? false;
    const postgres = optionsOf(props.postgres);
    const redis = optionsOf(props.redis);
    if (celery && !redis) {
      throw new KeelsonConfigError('celery', 'is true without redis, the broker of the worker and beat',
        'set redis: true as well, or leave celery off').atConstruct(this);
    }
    const domains = props.domains ?? [...FastApiService.DEFAULT_DOMAINS];
    if (domains.length === 0) {
      throw new KeelsonConfigError('domains', 'is empty, so nginx would answer for no name',
        "give at least one domain, e.g. ['api.example.com'], or leave it out for 'localhost'").atConstruct(this);
    }
    this.domains = domains;
    this.appModule = props.appModule ?? 'app.main:app';
    if (!/^[A-Za-z_][\w.]*:[A-Za-z_]\w*$/.test(this.appModule)) {
      throw new KeelsonConfigError('appModule', `is '${this.appModule}', not an ASGI application reference`,
        "write it as 'module:attribute', e.g. 'app.main:app'").atConstruct(this);
    }
    const tlsOptions = props.tls === false ? undefined : props.tls === true || props.tls === undefined ? {} : props.tls;
    this.tls = tlsOptions !== undefined;
    this.hsts = this.tls && (tlsOptions?.hsts ?? true);

    this.endpoint = locate(this, undefined, () => new ServiceEndpoint({ port: props.port, healthPath: props.healthPath }));
    this.security = props.security ?? new SecurityProfile();
    this.limits = props.limits ?? new ResourceLimits();

    const edgeSubnet = props.edgeSubnet ?? FastApiService.DEFAULT_EDGE_SUBNET;
    if (edgeSubnet !== false && !/^(\d{1,3}\.){3}\d{1,3}\/(1[6-9]|2\d|30)$/.test(edgeSubnet)) {
      throw new KeelsonConfigError('edgeSubnet', `is '${edgeSubnet}', not an IPv4 network from /16 to /30`,
        "give a private range in CIDR form, e.g. '172.30.253.0/24', or false").atConstruct(this);
    }
    this.edgeSubnet = edgeSubnet === false ? undefined : edgeSubnet;

    this.gunicorn = new GunicornConfig(project, {
      endpoint: this.endpoint,
      limits: this.limits,
      ...(this.edgeSubnet ? { forwardedAllowIps: ['127.0.0.1', '::1', this.edgeSubnet] } : {}),
      ...props.gunicornOverrides,
    });
    this.dockerfile = new Dockerfile(project, {
      flavour: props.flavour,
      pythonVersion: props.pythonVersion,
      appModule: this.appModule,
      appServer: this.gunicorn,
      security: this.security,
      labels: props.labels,
      ...props.dockerfileOverrides,
    });
    this.dockerignore = new DockerIgnore(project);

    const secretPath = (name: string) => `/run/secrets/${name}`;
    this.nginx = new NginxConfig(project, {
      upstream: this.gunicorn,
      serverNames: [...domains],
      tls: tlsOptions ? {
        certificate: secretPath(TLS_SECRETS.certificate),
        certificateKey: secretPath(TLS_SECRETS.certificateKey),
        ...(this.hsts ? {} : { hsts: false }),
      } : false,
      ...props.nginxOverrides,
    });

    this.compose = new Compose(project, {
      image: this.dockerfile,
      appServer: this.gunicorn,
      appModule: this.appModule,
      app: { limits: this.limits, replicas: props.replicas, maxReplicas: props.maxReplicas },
      postgres,
      redis,
      mailpit: props.mail ? {} : undefined,
      worker: celery ? {} : undefined,
      beat: celery ? {} : undefined,
      nginx: {
        ports: [
          { listen: this.nginx.httpPort, publish: this.nginx.publicHttpPort },
          ...(this.tls ? [{ listen: this.nginx.httpsPort, publish: this.nginx.publicHttpsPort }] : []),
        ],
        secrets: tlsOptions ? [
          { name: TLS_SECRETS.certificate, file: tlsOptions.certificateFile ?? FastApiService.DEFAULT_TLS_CERTIFICATE_FILE },
          { name: TLS_SECRETS.certificateKey, file: tlsOptions.certificateKeyFile ?? FastApiService.DEFAULT_TLS_KEY_FILE },
        ] : undefined,
      },
      ...props.composeOverrides,
    });

    if (this.edgeSubnet && this.compose.nginx) {
      this.compose.production.addNetwork(ComposeNetworks.EDGE, { ipam: { config: [{ subnet: this.edgeSubnet }] } });
    }

    if (props.kubernetes) {
      if (!props.kubernetes.ingress && !this.domains[0].includes('.')) {
        throw new KeelsonConfigError('kubernetes', `has no ingress, and the first domain '${this.domains[0]}' is no public host name for one`,
          "give domains: ['api.example.com'] (the Ingress serves the first), or kubernetes.ingress").atConstruct(this);
      }
      this.kubernetes = new Kubernetes(project, {
        image: this.dockerfile,
        appServer: this.gunicorn,
        appModule: this.appModule,
        limits: this.limits,
        ingress: { host: this.domains[0] },
        postgres: postgres ? {} : undefined,
        redis: redis ? {} : undefined,
        worker: celery ? {} : undefined,
        beat: celery,
        ...props.kubernetes,
      });
    }
    if (props.policy !== false) {
      this.policy = new HardeningPolicy(project, props.policy ?? {});
    }
    if (props.deploymentDoc ?? true) {
      this.deploymentDoc = new DeploymentDoc(this, { service: this });
    }
  }

  /** The waivers the policy carries (none without a policy). */
  public get waivers(): readonly Waiver[] {
    return this.policy?.waivers ?? [];
  }
}

function optionsOf<T extends object>(value: boolean | T | undefined): T | undefined {
  if (value === undefined || value === false) return undefined;
  return value === true ? ({} as T) : value;
}
