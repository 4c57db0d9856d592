import { IAppServer, IContainerImage, ResourceLimits } from '@keelson/core';

/** Where a backing service (PostgreSQL, Redis) runs. */
export type BackingServiceMode = 'external' | 'in-cluster';

/** A value read from a Kubernetes Secret the cluster already holds: Keelson never writes a secret value. */
export interface SecretKeyReference {
  /** The Secret's name. */
  readonly name: string;
  /** The key inside the Secret. */
  readonly key: string;
}

/** The app Deployment's replicas and autoscaling. */
export interface KubernetesScalingOptions {
  /**
   * The fewest app pods the HorizontalPodAutoscaler keeps. The Deployment sets no `replicas`: the autoscaler owns it.
   * @default 2
   */
  readonly minReplicas?: number;
  /**
   * The most app pods the HorizontalPodAutoscaler runs.
   * @default 6
   */
  readonly maxReplicas?: number;
  /**
   * The average CPU utilization, percent of the request, the autoscaler aims at.
   * @default 70
   */
  readonly targetCpuUtilizationPercent?: number;
}

/** The Ingress for the nginx ingress controller: the proxy settings that still apply in a cluster. */
export interface KubernetesIngressOptions {
  /** The host name the Ingress serves, e.g. `api.example.com`. */
  readonly host: string;
  /**
   * The Secret of type kubernetes.io/tls holding the certificate (created by cert-manager or by hand).
   * @default - `<name>-tls`
   */
  readonly tlsSecretName?: string;
  /**
   * The IngressClass.
   * @default 'nginx'
   */
  readonly ingressClassName?: string;
  /**
   * The largest request body, MiB (nginx `client_max_body_size`).
   * @default 10
   */
  readonly maxBodySizeMiB?: number;
  /**
   * Seconds the controller waits for the app's response; must exceed the app server's timeout.
   * @default - the app server's timeout plus 5 seconds, else 60
   */
  readonly readTimeoutSeconds?: number;
  /**
   * Seconds the controller waits to connect to a pod.
   * @default 5
   */
  readonly connectTimeoutSeconds?: number;
  /**
   * Requests per second per client address (`limit-rps`); 0 turns the limit off.
   * @default 10
   */
  readonly rateLimitPerSecond?: number;
  /**
   * The burst allowed above the rate, as a multiple of it (`limit-burst-multiplier`).
   * @default 5
   */
  readonly rateLimitBurstMultiplier?: number;
  /**
   * The namespace of the ingress controller, the only one allowed to reach the app pods.
   * @default 'ingress-nginx'
   */
  readonly controllerNamespace?: string;
  /**
   * Let the app server trust X-Forwarded-* from every peer (its forwarded-IPs variable, e.g. FORWARDED_ALLOW_IPS,
   * set to `*` on the app container), so the app sees the client's address and `https`, not the controller's. Sound
   * because the app's NetworkPolicy admits only the controller's namespace; `false` on a cluster whose network plugin
   * does not enforce NetworkPolicies (then set the variable to the controller pods' addresses in `environment`).
   * Ignored when `environment` sets the variable.
   * @default true
   */
  readonly trustForwardedHeaders?: boolean;
}

/** PostgreSQL: an external managed database by default, or a StatefulSet for development clusters. */
export interface KubernetesPostgresOptions {
  /**
   * `external`: a managed database the app reaches through DATABASE_URL from `urlSecret`; `in-cluster`: a
   * StatefulSet and Service named `postgres`, for development clusters.
   * @default 'external'
   */
  readonly mode?: BackingServiceMode;
  /**
   * Where DATABASE_URL comes from.
   * @default - Secret `<name>-database`, key `DATABASE_URL`
   */
  readonly urlSecret?: SecretKeyReference;
  /**
   * In-cluster: where the superuser password comes from.
   * @default - Secret `<name>-postgres`, key `POSTGRES_PASSWORD`
   */
  readonly passwordSecret?: SecretKeyReference;
  /**
   * In-cluster: the image.
   * @default 'postgres:17.6-bookworm'
   */
  readonly image?: string;
  /**
   * In-cluster: the data volume's size.
   * @default '5Gi'
   */
  readonly storage?: string;
}

/** Redis: an external managed cache by default, or a StatefulSet for development clusters. */
export interface KubernetesRedisOptions {
  /**
   * `external`: the app reaches it through REDIS_URL from `urlSecret`; `in-cluster`: a StatefulSet and Service
   * named `redis`, for development clusters.
   * @default 'external'
   */
  readonly mode?: BackingServiceMode;
  /**
   * Where REDIS_URL comes from.
   * @default - Secret `<name>-redis`, key `REDIS_URL`
   */
  readonly urlSecret?: SecretKeyReference;
  /**
   * In-cluster: the image.
   * @default 'redis:7.4.6-bookworm'
   */
  readonly image?: string;
}

/** The Celery worker. */
export interface KubernetesWorkerOptions {
  /**
   * Pods of the worker.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Limits of one worker pod.
   * @default - the ResourceLimits defaults (1 CPU, 512 MiB)
   */
  readonly limits?: ResourceLimits;
  /**
   * Memory one Celery process uses, MiB: the limit must hold the parent and the children.
   * @default 128
   */
  readonly memoryPerProcessMiB?: number;
  /**
   * Prefork children per pod.
   * @default - one per whole CPU of the limit, at least 1, as many as the memory limit holds beside the parent
   */
  readonly concurrency?: number;
}

/** The migration Job. */
export interface KubernetesMigrationOptions {
  /**
   * The command, run as a Python module of the image.
   * @default ['alembic', 'upgrade', 'head']
   */
  readonly command?: string[];
}

/** Props of the Kubernetes component. */
export interface KubernetesProps {
  /** The app's image contract (the Dockerfile component implements it): port, health, security profile. */
  readonly image: IContainerImage;
  /** The image as the cluster pulls it, `repository:tag` or `repository@sha256:...`, e.g. `ghcr.io/acme/api:1.4.2`. */
  readonly imageName: string;
  /**
   * The app server (e.g. `GunicornConfig`): its command, and its worker count per pod from `workersFor(limits)`.
   * @default - the image's own command
   */
  readonly appServer?: IAppServer;
  /**
   * The ASGI application, `module:attribute`.
   * @default 'app.main:app'
   */
  readonly appModule?: string;
  /**
   * The base name of every object, and the `app.kubernetes.io/name` label.
   * @default - the project name
   */
  readonly name?: string;
  /**
   * The namespace of every object.
   * @default - none: the namespace of `kubectl apply -n`
   */
  readonly namespace?: string;
  /**
   * Limits of one app pod. Requests equal limits (Guaranteed QoS), so the CPU quota the app server sizes its
   * workers from is the one scheduled.
   * @default - the ResourceLimits defaults (1 CPU, 512 MiB)
   */
  readonly limits?: ResourceLimits;
  /**
   * Replicas and autoscaling of the app.
   * @default - 2 to 6 replicas at 70% CPU
   */
  readonly scaling?: KubernetesScalingOptions;
  /**
   * Plain (non-secret) variables for every role of the app image, in a ConfigMap.
   * @default - none
   */
  readonly environment?: Record<string, string>;
  /**
   * The Ingress.
   * @default - no Ingress
   */
  readonly ingress?: KubernetesIngressOptions;
  /**
   * PostgreSQL.
   * @default - no database
   */
  readonly postgres?: KubernetesPostgresOptions;
  /**
   * Redis.
   * @default - no Redis
   */
  readonly redis?: KubernetesRedisOptions;
  /**
   * The Celery app (`celery -A`) of the worker and beat.
   * @default 'app.tasks'
   */
  readonly celeryApp?: string;
  /**
   * A Celery worker Deployment (needs `redis`).
   * @default - no worker
   */
  readonly worker?: KubernetesWorkerOptions;
  /**
   * Celery beat, a single replica (needs `redis`).
   * @default false
   */
  readonly beat?: boolean;
  /**
   * A migration Job (needs `postgres`).
   * @default - no migrations
   */
  readonly migrations?: KubernetesMigrationOptions;
}
