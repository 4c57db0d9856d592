import {
  GeneratedFile, IContainerImage, ImagePipelineView, ImageReference, KeelsonConfigError, PipelineJobView, PipelinePermissionsView,
  locate, pipelineActions, pipelineStepTarget, policyCovers, pushSteps, registerModel, scanGateSteps, stepRunsAfter,
} from '@keelson/core';
import { Component, Project, github } from 'projen';
import { PinnedAction, PINNED_ACTIONS, usesOf } from './pinned-actions';
import { renderWorkflow, toWorkflowSyntax, WorkflowModel } from './private/workflow-render';
import { severitiesFrom, Severity } from './severity';
import { checkIgnoreEntry, renderTrivyIgnore, TrivyIgnoreEntry } from './trivy-ignore';

/** Where BuildKit keeps its layer cache between runs. */
export type BuildCache = 'gha' | 'registry';

/** Secrets that log in to a registry other than ghcr.io. */
export interface RegistryLogin {
  /** The name of the repository secret holding the user name. */
  readonly usernameSecret: string;
  /** The name of the repository secret holding the password or token. */
  readonly passwordSecret: string;
}

/** Options of the image pipeline. */
export interface ImagePipelineProps {
  /** The image to build: the Dockerfile component (its file, context and target). */
  readonly image: IContainerImage;
  /** Where to publish: `registry/repository`, e.g. `ghcr.io/acme/orders`; the registry host is required. */
  readonly registry: string;
  /**
   * The platforms to build for.
   * @default ['linux/amd64']
   */
  readonly platforms?: string[];
  /**
   * The lowest severity of a fixable vulnerability that fails the scan gate.
   * @default 'HIGH'
   */
  readonly failOn?: string;
  /**
   * Vulnerabilities the gate accepts, each with a reason and an expiry date (written to `.trivyignore.yaml`).
   * @default - none
   */
  readonly ignore?: TrivyIgnoreEntry[];
  /**
   * Where BuildKit keeps its cache: the GitHub Actions cache, or a `:buildcache` tag in the registry.
   * @default 'gha'
   */
  readonly cache?: BuildCache;
  /**
   * Secrets to log in to the registry with.
   * @default - ghcr.io: the workflow's GITHUB_TOKEN; any other registry requires this option
   */
  readonly login?: RegistryLogin;
  /**
   * Sign the pushed image with cosign, keyless (GitHub's OIDC token, Sigstore's Fulcio and Rekor).
   * @default true
   */
  readonly sign?: boolean;
  /**
   * The branch whose pushes publish the image; pull requests run everything but the push.
   * @default 'main'
   */
  readonly branch?: string;
  /**
   * The Node.js major version that runs projen.
   * @default '20'
   */
  readonly nodeVersion?: string;
  /**
   * The command that installs projen and Keelson.
   * @default 'npm ci'
   */
  readonly installCommand?: string;
  /**
   * The project's own tests.
   * @default 'npx projen test'
   */
  readonly testCommand?: string;
  /**
   * The runner of every job.
   * @default 'ubuntu-24.04'
   */
  readonly runsOn?: string;
  /**
   * The workflow file.
   * @default '.github/workflows/image.yml'
   */
  readonly workflowFile?: string;
}

const PLATFORM = /^linux\/(amd64|arm64|arm\/v7|arm\/v6|386|ppc64le|s390x|riscv64)$/;
const HOST = /^(localhost(:\d+)?|[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)+(:\d+)?|[a-zA-Z0-9-]+:\d+)$/;
const SECRET = /^[A-Za-z_][A-Za-z0-9_]*$/;
const uses = (a: PinnedAction) => usesOf(a);
const R = github.workflows.JobPermission.READ;
const W = github.workflows.JobPermission.WRITE;

/**
 * The image pipeline: `.github/workflows/image.yml` builds the image with BuildKit and a cache, lints the
 * Dockerfile, runs the project's tests and drift check, scans the image with Trivy and fails on fixable
 * vulnerabilities at or above `failOn`, then (on the branch only) pushes it for every platform with an SBOM and
 * build provenance attached, signs it with cosign keyless and reports the digest. Plus `.trivyignore.yaml`.
 *
 * The workflow is built in projen's GitHub workflow model (`github.workflows.Job`) and written through core's
 * GeneratedFile, not projen's GithubWorkflow: a YAML file there cannot carry the `# vX.Y.Z` comment after each
 * SHA-pinned action, nor Keelson's checksum header. `workflow` is the model: change it in `.projenrc.ts` and the
 * file and the policy both see the change.
 */
export class ImagePipeline extends Component {
  /** The workflow model, rendered at synth. */
  public readonly workflow: WorkflowModel;
  /** The image repository, `registry/repository`. */
  public readonly imageName: string;
  public readonly platforms: readonly string[];
  public readonly failOn: Severity;
  public readonly ignore: readonly TrivyIgnoreEntry[];
  public readonly cache: BuildCache;
  public readonly sign: boolean;
  public readonly branch: string;
  public readonly workflowFile: string;
  /** The Trivy ignore file. */
  public readonly ignoreFile = '.trivyignore.yaml';
  private readonly image: IContainerImage;

  public constructor(project: Project, props: ImagePipelineProps) {
    super(project, 'ImagePipeline');
    this.image = props.image;
    this.imageName = locate(this, undefined, () => ImagePipeline.parseRegistry(props.registry));
    this.platforms = props.platforms ?? ['linux/amd64'];
    if (this.platforms.length === 0) {
      throw new KeelsonConfigError('platforms', 'is empty', "give at least one platform, e.g. 'linux/amd64'").atConstruct(this);
    }
    for (const p of this.platforms) {
      if (!PLATFORM.test(p)) {
        throw new KeelsonConfigError('platforms', `contains '${p}', which is not a Linux platform BuildKit builds`,
          "write it as 'linux/<arch>', e.g. 'linux/amd64' or 'linux/arm64'").atConstruct(this);
      }
    }
    this.failOn = locate(this, undefined, () => severitiesFrom(props.failOn ?? 'HIGH')[0]);
    this.ignore = [...(props.ignore ?? [])];
    locate(this, undefined, () => this.ignore.forEach((e, i) => checkIgnoreEntry(e, i)));
    const seen = new Set<string>();
    for (const [i, e] of this.ignore.entries()) {
      if (seen.has(e.id)) {
        throw new KeelsonConfigError(`ignore[${i}].id`, `repeats ${e.id}`, 'give each vulnerability once; list its paths in one entry').atConstruct(this);
      }
      seen.add(e.id);
    }
    this.cache = props.cache ?? 'gha';
    if (this.cache !== 'gha' && this.cache !== 'registry') {
      throw new KeelsonConfigError('cache', `is '${this.cache}'`, "choose 'gha' or 'registry'").atConstruct(this);
    }
    this.sign = props.sign ?? true;
    this.branch = props.branch ?? 'main';
    this.workflowFile = props.workflowFile ?? '.github/workflows/image.yml';
    const host = this.imageName.split('/')[0];
    if (props.login === undefined && host !== 'ghcr.io') {
      throw new KeelsonConfigError('login', `is required to push to ${host}`,
        "name the repository secrets that hold the registry credentials, e.g. { usernameSecret: 'REGISTRY_USERNAME', passwordSecret: 'REGISTRY_PASSWORD' }").atConstruct(this);
    }
    for (const key of ['usernameSecret', 'passwordSecret'] as const) {
      if (props.login && !SECRET.test(props.login[key])) {
        throw new KeelsonConfigError(`login.${key}`, `is '${props.login[key]}', which is not a secret name`,
          'use letters, digits and "_", not starting with a digit').atConstruct(this);
      }
    }

    this.workflow = this.buildWorkflow(props, host);

    new GeneratedFile(project, this.workflowFile, () => renderWorkflow(this.workflow), {
      editHint: 'change the ImagePipeline props or its `workflow` model in .projenrc.ts',
    });
    new GeneratedFile(project, this.ignoreFile, () => renderTrivyIgnore(this.ignore), {
      editHint: "add or change an entry of the ImagePipeline's `ignore` option (id, reason, expires) in .projenrc.ts",
    });
    registerModel(this, 'image-pipeline', () => this.view());
    this.node.addValidation({ validate: () => this.validateModel() });
  }

  /** `registry/repository` checked: a registry host, then a repository path, no tag or digest. */
  public static parseRegistry(registry: string): string {
    const fix = "write it as '<registry host>/<repository>', e.g. 'ghcr.io/acme/orders' (tags are derived from the commit)";
    if (typeof registry !== 'string' || registry.includes('@') || /:[^/]*$/.test(registry.split('/').slice(1).join('/'))) {
      throw new KeelsonConfigError('registry', `'${registry}' does not parse as a registry reference without tag or digest`, fix);
    }
    const [host, ...path] = registry.split('/');
    if (path.length === 0 || !HOST.test(host)) {
      throw new KeelsonConfigError('registry', `'${registry}' does not parse: it names no registry host`, fix);
    }
    try {
      new ImageReference({ repository: registry, tag: 'keelson' });
    } catch {
      throw new KeelsonConfigError('registry', `'${registry}' does not parse as a registry reference`, fix);
    }
    return registry;
  }

  /** The resolved model: what the workflow will do, from the model as it is now. */
  public view(): ImagePipelineView {
    return pipelineView(this.workflow, {
      file: this.workflowFile, image: this.imageName, dockerfile: this.image.dockerfile, ignoreFile: this.ignoreFile,
    });
  }

  private buildWorkflow(props: ImagePipelineProps, host: string): WorkflowModel {
    const runsOn = [props.runsOn ?? 'ubuntu-24.04'];
    const image = this.image;
    const checkout: github.workflows.JobStep = { name: 'Check out', uses: uses(PINNED_ACTIONS.checkout), with: { 'persist-credentials': false } };
    const buildx: github.workflows.JobStep = { name: 'Set up BuildKit', uses: uses(PINNED_ACTIONS.setupBuildx) };
    // GitHub cache: each platform's scan job writes its own scope; the push reads them all.
    // Registry cache: only the push job may write the registry; the scan jobs read what it wrote.
    const scope = (platform: string) => `image-${platform.replace(/\//g, '-')}`;
    const registryCache = `type=registry,ref=${this.imageName}:buildcache`;
    const scanCacheFrom = this.cache === 'gha' ? 'type=gha,scope=${{ matrix.scope }}' : registryCache;
    const scanCacheTo = this.cache === 'gha' ? 'type=gha,scope=${{ matrix.scope }},mode=max' : undefined;
    const pushCacheFrom = this.cache === 'gha' ? this.platforms.map((p) => `type=gha,scope=${scope(p)}`).join('\n') : registryCache;
    const pushCacheTo = this.cache === 'gha' ? undefined : `${registryCache},mode=max`;
    const severities = severitiesFrom(this.failOn);
    const common = { context: image.context, file: image.dockerfile, target: image.target };
    const multiArch = this.platforms.some((p) => p !== 'linux/amd64');
    const qemu: github.workflows.JobStep[] = multiArch ? [{ name: 'Set up QEMU', uses: uses(PINNED_ACTIONS.setupQemu) }] : [];
    const login = props.login;
    const publishPermissions: github.workflows.JobPermissions = {
      contents: R,
      ...(host === 'ghcr.io' ? { packages: W } : {}),
      ...(this.sign ? { idToken: W } : {}),
    };
    const scanPermissions: github.workflows.JobPermissions = {
      contents: R,
      ...(this.cache === 'registry' && host === 'ghcr.io' ? { packages: R } : {}),
    };
    const loginStep: github.workflows.JobStep = {
      name: `Log in to ${host}`,
      uses: uses(PINNED_ACTIONS.login),
      with: login
        ? { registry: host, username: `\${{ secrets.${login.usernameSecret} }}`, password: `\${{ secrets.${login.passwordSecret} }}` }
        : { registry: host, username: '${{ github.actor }}', password: '${{ secrets.GITHUB_TOKEN }}' },
    };
    const scanTag = `keelson-scan:\${{ github.sha }}`;
    return {
      name: 'image',
      on: {
        push: { branches: [this.branch] },
        pullRequest: { branches: [this.branch] },
        workflowDispatch: {},
      },
      permissions: {},
      concurrency: { group: 'image-${{ github.ref }}', cancelInProgress: false },
      env: { IMAGE: this.imageName },
      jobs: {
        test: {
          name: 'Tests and drift check',
          runsOn,
          permissions: { contents: R },
          steps: [
            checkout,
            { name: 'Set up Node.js', uses: uses(PINNED_ACTIONS.setupNode), with: { 'node-version': props.nodeVersion ?? '20' } },
            { name: 'Install projen and Keelson', run: props.installCommand ?? 'npm ci' },
            {
              name: 'Drift check: the generated files are what .projenrc.ts declares',
              run: 'npx projen\ngit add -A --intent-to-add\ngit diff --exit-code',
            },
            { name: 'Tests', run: props.testCommand ?? 'npx projen test' },
          ],
        },
        lint: {
          name: 'Dockerfile lint',
          runsOn,
          permissions: { contents: R },
          steps: [
            checkout,
            { name: 'hadolint', uses: uses(PINNED_ACTIONS.hadolint), with: { dockerfile: image.dockerfile, 'failure-threshold': 'error' } },
          ],
        },
        scan: {
          name: 'Build and scan ${{ matrix.platform }}',
          needs: ['test', 'lint'],
          runsOn,
          permissions: scanPermissions,
          // Every platform that will be pushed is scanned: a gate on one architecture says nothing of another.
          strategy: { failFast: false, matrix: { include: this.platforms.map((p) => ({ platform: p, scope: scope(p) })) } },
          steps: [
            checkout,
            ...qemu,
            buildx,
            ...(this.cache === 'registry' ? [loginStep] : []),
            {
              name: 'Build (loaded for the scan, not pushed)',
              uses: uses(PINNED_ACTIONS.buildPush),
              with: {
                ...common, platforms: '${{ matrix.platform }}', load: true, push: false, tags: scanTag,
                'cache-from': scanCacheFrom, ...(scanCacheTo ? { 'cache-to': scanCacheTo } : {}),
              },
            },
            {
              name: `Scan gate: fail on fixable ${severities.join(', ')} vulnerabilities`,
              uses: uses(PINNED_ACTIONS.trivy),
              with: {
                'image-ref': scanTag,
                'severity': severities.join(','),
                'ignore-unfixed': true,
                'exit-code': '1',
                'trivyignores': this.ignoreFile,
                'format': 'table',
              },
            },
          ],
        },
        publish: {
          name: 'Push, attest and sign',
          needs: ['scan'],
          if: `github.event_name != 'pull_request' && github.ref == 'refs/heads/${this.branch}'`,
          runsOn,
          permissions: publishPermissions,
          outputs: { digest: { stepId: 'push', outputName: 'digest' } },
          steps: [
            checkout,
            ...qemu,
            buildx,
            loginStep,
            {
              id: 'push',
              name: `Push for ${this.platforms.join(', ')} with SBOM and provenance`,
              uses: uses(PINNED_ACTIONS.buildPush),
              with: {
                ...common, platforms: this.platforms.join(','), push: true,
                tags: '${{ env.IMAGE }}:${{ github.sha }}',
                'cache-from': pushCacheFrom, ...(pushCacheTo ? { 'cache-to': pushCacheTo } : {}),
                sbom: true, provenance: 'mode=max',
              },
            },
            ...(this.sign ? [
              { name: 'Install cosign', uses: uses(PINNED_ACTIONS.cosignInstaller) },
              {
                name: 'Sign the image by digest (keyless)',
                env: { DIGEST: '${{ steps.push.outputs.digest }}' },
                run: 'cosign sign --yes "${IMAGE}@${DIGEST}"',
              },
            ] : []),
            {
              name: 'Report the digest',
              env: { DIGEST: '${{ steps.push.outputs.digest }}' },
              run: 'echo "Pushed ${IMAGE}@${DIGEST}" >> "$GITHUB_STEP_SUMMARY"',
            },
          ],
        },
      },
    };
  }

  /**
   * The fallback check, for a project without a hardening policy: unpinned actions and a push that does not wait for
   * the scan gate stop the synth. When a policy in the tree runs the rule that covers a check (KS-PL-002
   * ActionsPinnedBySha, KS-PL-001 PushedImageScanned), the check is the policy's alone: reported once, at the pack's
   * level, and waivable with a reason.
   */
  private validateModel(): string[] {
    const view = this.view();
    const problems: string[] = [];
    if (!policyCovers(this, ImagePipeline.PINNED_RULE)) {
      for (const a of pipelineActions(view).filter((x) => !x.pinned)) {
        problems.push(`${pipelineStepTarget(view, a)}: job '${a.job}' uses '${a.uses}', which is not pinned to a commit SHA. `
          + 'Fix: pin it as owner/repo@<40-hex sha>, or add a HardeningPolicy and waive KS-PL-002 with a reason');
      }
    }
    if (!policyCovers(this, ImagePipeline.SCANNED_RULE)) {
      const gates = scanGateSteps(view);
      for (const push of pushSteps(view)) {
        if (gates.some((g) => stepRunsAfter(view, push, g))) continue;
        problems.push(`${pipelineStepTarget(view, push)}: job '${push.job}' pushes the image without waiting for a Trivy scan gate. `
          + 'Fix: keep the scan job before the push (needs:), or add a HardeningPolicy and waive KS-PL-001 with a reason');
      }
    }
    return problems;
  }

  /** The policy rule that takes over the pinned-actions check. */
  private static readonly PINNED_RULE = 'KS-PL-002';
  /** The policy rule that takes over the scan-before-push check. */
  private static readonly SCANNED_RULE = 'KS-PL-001';
}

/** The view of a workflow model (exported for the policy's tests and for other pipelines). */
export function pipelineView(model: WorkflowModel, where: { file: string; image: string; dockerfile: string; ignoreFile?: string }): ImagePipelineView {
  const permissions = (p: unknown) => (p === undefined ? undefined : toWorkflowSyntax(p) as PipelinePermissionsView);
  const jobs: PipelineJobView[] = Object.entries(model.jobs).map(([id, job]) => ({
    id,
    needs: job.needs ?? [],
    permissions: permissions(job.permissions),
    if: job.if,
    continueOnError: job.continueOnError,
    steps: (job.steps ?? []).map((s) => ({
      id: s.id, name: s.name, uses: s.uses, run: s.run, with: s.with, if: s.if, continueOnError: s.continueOnError,
    })),
  }));
  return {
    file: where.file,
    image: where.image,
    dockerfile: where.dockerfile,
    ignoreFile: where.ignoreFile,
    permissions: permissions(model.permissions),
    jobs,
  };
}

/** Whether every push of `view` waits for a scan gate (the check KS-PL-001 makes), e.g. for a test of an escape hatch. */
export function pushesAfterScanGate(view: ImagePipelineView): boolean {
  const gates = scanGateSteps(view);
  return pushSteps(view).every((push) => gates.some((g) => stepRunsAfter(view, push, g)));
}
