import { HealthCheck, ImageReference, ResourceLimits, SecurityProfile, locate } from '@keelson/core';
import { ComposeService, IComposeFiles } from './compose-service';
import { ComposeValue } from './compose-value';

/** Options of the Mailpit service (development only). */
export interface MailpitOptions {
  /**
   * The image. Mailpit, not MailHog: MailHog is unmaintained. `/mailpit readyz` (Mailpit 1.16+) is its health check.
   * Overridable at run time with `MAILPIT_IMAGE`.
   * @default 'axllent/mailpit:v1.30.5'
   */
  readonly image?: string;
  /**
   * The loopback port of the web UI.
   * @default 8025
   */
  readonly uiPort?: number;
  /**
   * Limits.
   * @default - 0.25 CPU, 128 MiB, 64 processes
   */
  readonly limits?: ResourceLimits;
  /**
   * Who Mailpit runs as (a static binary: any uid works); it keeps its messages in a database under /tmp.
   * @default - uid and gid 65532, read-only root, /tmp on tmpfs
   */
  readonly security?: SecurityProfile;
}

/** Props of the Mailpit service, as the Compose component wires it. */
export interface MailpitServiceProps extends MailpitOptions {
  readonly networks: string[];
}

const DEFAULT_IMAGE = 'axllent/mailpit:v1.30.5';

/** Mailpit catches the mail the app and the worker send in development; its UI is on loopback. */
export class MailpitService extends ComposeService {
  public static readonly SMTP_PORT = 1025;
  public static readonly UI_PORT = 8025;

  declare public readonly healthCheck: HealthCheck;
  public readonly image: ImageReference;

  public constructor(compose: IComposeFiles, props: MailpitServiceProps) {
    const image = locate(compose, 'mailpit', () => ImageReference.parse(props.image ?? DEFAULT_IMAGE));
    super(compose, 'mailpit', {
      description: `Mailpit catches every mail sent in development: SMTP on mailpit:${MailpitService.SMTP_PORT}, `
        + `the UI on http://127.0.0.1:${props.uiPort ?? MailpitService.UI_PORT}.`,
      image: ComposeValue.withDefault('MAILPIT_IMAGE', image.toString()),
      environment: {
        // Accept whatever credentials the app is configured with, over plain SMTP: nothing leaves this container.
        MP_SMTP_AUTH_ACCEPT_ANY: '1',
        MP_SMTP_AUTH_ALLOW_INSECURE: '1',
      },
      security: props.security ?? new SecurityProfile({ writablePaths: ['/tmp'] }),
      limits: props.limits ?? new ResourceLimits({ cpus: 0.25, memoryMiB: 128, pids: 64 }),
      healthCheck: { command: ['/mailpit', 'readyz'], intervalSeconds: 10, timeoutSeconds: 3, startPeriodSeconds: 10, retries: 3 },
      networks: props.networks,
      ports: [{ target: MailpitService.UI_PORT, published: props.uiPort ?? MailpitService.UI_PORT, hostIp: '127.0.0.1' }],
      production: false,
    });
    this.image = image;
  }
}
