import { Rule } from '../rule';
import { ActionsPinnedBySha } from './ActionsPinnedBySha';
import { AptInstallMinimal } from './AptInstallMinimal';
import { BaseImageDigestPinned } from './BaseImageDigestPinned';
import { BaseImageTagPinned } from './BaseImageTagPinned';
import { BuildContextExcludesSecrets } from './BuildContextExcludesSecrets';
import { ComposeCapabilitiesDropped } from './ComposeCapabilitiesDropped';
import { ComposeHealthChecks } from './ComposeHealthChecks';
import { ComposeImageDigestPinned } from './ComposeImageDigestPinned';
import { ComposeImagesPinned } from './ComposeImagesPinned';
import { ComposeLimitsSet } from './ComposeLimitsSet';
import { ComposeNoDockerSocket } from './ComposeNoDockerSocket';
import { ComposeNoHostNamespaces } from './ComposeNoHostNamespaces';
import { ComposeNoNewPrivileges } from './ComposeNoNewPrivileges';
import { ComposeNoPrivileged } from './ComposeNoPrivileged';
import { ComposeNonRootUser } from './ComposeNonRootUser';
import { ComposeReadOnlyRoot } from './ComposeReadOnlyRoot';
import { ComposeSecretsNotInline } from './ComposeSecretsNotInline';
import { DataServicesNotExposed } from './DataServicesNotExposed';
import { DatabaseConnectionBudget } from './DatabaseConnectionBudget';
import { ExecFormEntrypoint } from './ExecFormEntrypoint';
import { ExposedPortMatchesServer } from './ExposedPortMatchesServer';
import { ForwardedHeadersTrusted } from './ForwardedHeadersTrusted';
import { HealthCheckProbesServedEndpoint } from './HealthCheckProbesServedEndpoint';
import { ImageHealthCheckPresent } from './ImageHealthCheckPresent';
import { InterpreterMatchesVirtualenv } from './InterpreterMatchesVirtualenv';
import { NoAddForLocalFiles } from './NoAddForLocalFiles';
import { NoSecretsInArgOrEnv } from './NoSecretsInArgOrEnv';
import { NonRootFinalUser } from './NonRootFinalUser';
import { PipelineBuildsGeneratedDockerfile } from './PipelineBuildsGeneratedDockerfile';
import { PortsBoundToInterface } from './PortsBoundToInterface';
import { ProxyConfigMounted } from './ProxyConfigMounted';
import { ProxyHidesVersion } from './ProxyHidesVersion';
import { ProxyTimeoutsMatchAppServer } from './ProxyTimeoutsMatchAppServer';
import { ProxyTlsModern } from './ProxyTlsModern';
import { ProxyUpstreamReachesAppServer } from './ProxyUpstreamReachesAppServer';
import { PushedImageScanned } from './PushedImageScanned';
import { PushedImageSigned } from './PushedImageSigned';
import { ReadOnlyRootLeavesServerPathsWritable } from './ReadOnlyRootLeavesServerPathsWritable';
import { RuntimeUserAgrees } from './RuntimeUserAgrees';
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
  ComposeNoPrivileged,
  ComposeCapabilitiesDropped,
  ComposeNoDockerSocket,
  ComposeNoHostNamespaces,
  ComposeLimitsSet,
  ComposeNoNewPrivileges,
  ComposeReadOnlyRoot,
  ComposeNonRootUser,
  DataServicesNotExposed,
  PortsBoundToInterface,
  ComposeImagesPinned,
  ComposeImageDigestPinned,
  ComposeSecretsNotInline,
  ComposeHealthChecks,
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
  PipelineBuildsGeneratedDockerfile,
];
