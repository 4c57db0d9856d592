import { Rule } from '../rule';
import { ActionsPinnedBySha } from './ActionsPinnedBySha';
import { AptInstallMinimal } from './AptInstallMinimal';
import { BaseImageDigestPinned } from './BaseImageDigestPinned';
import { BaseImageTagPinned } from './BaseImageTagPinned';
import { BuildContextExcludesSecrets } from './BuildContextExcludesSecrets';
import { CapabilitiesDropped } from './CapabilitiesDropped';
import { DataServicesNotExposed } from './DataServicesNotExposed';
import { DatabaseConnectionBudget } from './DatabaseConnectionBudget';
import { ExecFormEntrypoint } from './ExecFormEntrypoint';
import { ExposedPortMatchesServer } from './ExposedPortMatchesServer';
import { ForwardedHeadersTrusted } from './ForwardedHeadersTrusted';
import { HealthCheckProbesServedEndpoint } from './HealthCheckProbesServedEndpoint';
import { HealthChecks } from './HealthChecks';
import { ImageDigestPinned } from './ImageDigestPinned';
import { ImageHealthCheckFitsRole } from './ImageHealthCheckFitsRole';
import { ImageHealthCheckPresent } from './ImageHealthCheckPresent';
import { ImagesPinned } from './ImagesPinned';
import { InterpreterMatchesVirtualenv } from './InterpreterMatchesVirtualenv';
import { LimitsSet } from './LimitsSet';
import { NoAddForLocalFiles } from './NoAddForLocalFiles';
import { NoDockerSocket } from './NoDockerSocket';
import { NoHostNamespaces } from './NoHostNamespaces';
import { NoNewPrivileges } from './NoNewPrivileges';
import { NoPrivileged } from './NoPrivileged';
import { NoSecretsInArgOrEnv } from './NoSecretsInArgOrEnv';
import { NonRootFinalUser } from './NonRootFinalUser';
import { NonRootUser } from './NonRootUser';
import { PipelineBuildsGeneratedDockerfile } from './PipelineBuildsGeneratedDockerfile';
import { PortsBoundToInterface } from './PortsBoundToInterface';
import { ProxyConfigMounted } from './ProxyConfigMounted';
import { ProxyHidesVersion } from './ProxyHidesVersion';
import { ProxyTimeoutsMatchAppServer } from './ProxyTimeoutsMatchAppServer';
import { ProxyTlsModern } from './ProxyTlsModern';
import { ProxyUpstreamReachesAppServer } from './ProxyUpstreamReachesAppServer';
import { PushedImageScanned } from './PushedImageScanned';
import { PushedImageSigned } from './PushedImageSigned';
import { ReadOnlyRoot } from './ReadOnlyRoot';
import { ReadOnlyRootLeavesServerPathsWritable } from './ReadOnlyRootLeavesServerPathsWritable';
import { RuntimeUserAgrees } from './RuntimeUserAgrees';
import { SecretsNotInline } from './SecretsNotInline';
import { StopGracePeriodCoversGracefulTimeout } from './StopGracePeriodCoversGracefulTimeout';
import { WorkflowTokenLeastPrivilege } from './WorkflowTokenLeastPrivilege';
import { WritablePathsOwnedByRuntimeUser } from './WritablePathsOwnedByRuntimeUser';

/** Every rule, in the order RULES.md lists them (single-file first). */
export const ALL_RULES: readonly Rule[] = [
  NonRootFinalUser,
  BaseImageTagPinned,
  BaseImageDigestPinned,
  NoAddForLocalFiles,
  NoSecretsInArgOrEnv,
  ImageHealthCheckPresent,
  ExecFormEntrypoint,
  AptInstallMinimal,
  NoPrivileged,
  CapabilitiesDropped,
  NoDockerSocket,
  NoHostNamespaces,
  LimitsSet,
  NoNewPrivileges,
  ReadOnlyRoot,
  NonRootUser,
  DataServicesNotExposed,
  PortsBoundToInterface,
  ImagesPinned,
  ImageDigestPinned,
  SecretsNotInline,
  HealthChecks,
  ProxyTlsModern,
  ProxyHidesVersion,
  PushedImageScanned,
  ActionsPinnedBySha,
  PushedImageSigned,
  WorkflowTokenLeastPrivilege,
  HealthCheckProbesServedEndpoint,
  ExposedPortMatchesServer,
  WritablePathsOwnedByRuntimeUser,
  ReadOnlyRootLeavesServerPathsWritable,
  ProxyUpstreamReachesAppServer,
  ProxyTimeoutsMatchAppServer,
  StopGracePeriodCoversGracefulTimeout,
  InterpreterMatchesVirtualenv,
  DatabaseConnectionBudget,
  RuntimeUserAgrees,
  ForwardedHeadersTrusted,
  ProxyConfigMounted,
  BuildContextExcludesSecrets,
  ImageHealthCheckFitsRole,
  PipelineBuildsGeneratedDockerfile,
];
