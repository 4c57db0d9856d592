import { GeneratedFile, KeelsonConfigError } from '@keelson/core';
import { Component, Project, github } from 'projen';
import { PINNED_ACTIONS, usesOf } from './pinned-actions';
import { renderWorkflow, WorkflowModel } from './private/workflow-render';

/** Options of the update automation. */
export interface UpdateAutomationProps {
  /**
   * When Renovate may open the pull request (Renovate schedule syntax).
   * @default ['before 6am on monday']
   */
  readonly schedule?: string[];
  /**
   * The pull request's group name: every pin Keelson reads, in one pull request.
   * @default 'keelson pins'
   */
  readonly groupName?: string;
  /**
   * The Node.js major version that runs projen in the re-synthesis workflow.
   * @default '20'
   */
  readonly nodeVersion?: string;
  /**
   * The command that installs projen and Keelson.
   * @default 'npm ci'
   */
  readonly installCommand?: string;
  /**
   * The runner of the re-synthesis job.
   * @default 'ubuntu-24.04'
   */
  readonly runsOn?: string;
}

/** The Renovate configuration file. */
export const RENOVATE_FILE = 'renovate.json5';
/** The workflow that re-synthesizes an update pull request. */
export const RESYNTH_WORKFLOW_FILE = '.github/workflows/keelson-resynth.yml';

const DIGEST = 'sha256:[a-f0-9]{64}';

/**
 * Update automation for what Keelson pins, with Renovate (`renovate.json5`).
 *
 * Keelson's pins live in `.projenrc.ts` (base images and their digests, server package versions) and in the
 * Keelson packages' own defaults (package.json); the files that carry them (Dockerfile, requirements-server.txt,
 * compose files) are generated. So Renovate updates the declaration, never a generated file: regex managers read
 * the pins in `.projenrc.ts`, the npm manager the Keelson packages, and one group puts every update in one pull
 * request. `.github/workflows/keelson-resynth.yml` then runs `npx projen` on that pull request's branch and commits
 * the regenerated files to it, so the pull request carries the declaration and every file it affects (self-hosted
 * Renovate can do the same with the `postUpgradeTasks` written here).
 *
 * Renovate, not Dependabot: Dependabot's docker and pip ecosystems update the generated Dockerfile and
 * requirements file, which the next synth would revert, and it cannot read `.projenrc.ts`. projen's own
 * Renovatebot and Dependabot components configure a Node project's dependencies; neither fits a service's pins.
 */
export class UpdateAutomation extends Component {
  /** The Renovate configuration, rendered at synth; change it in `.projenrc.ts`. */
  public readonly config: Record<string, unknown>;
  /** The re-synthesis workflow model. */
  public readonly workflow: WorkflowModel;

  public constructor(project: Project, props: UpdateAutomationProps = {}) {
    super(project, 'UpdateAutomation');
    const schedule = props.schedule ?? ['before 6am on monday'];
    if (schedule.length === 0 || schedule.some((s) => typeof s !== 'string' || s.trim() === '')) {
      throw new KeelsonConfigError('schedule', 'is empty or has an empty entry',
        "give Renovate schedules, e.g. ['before 6am on monday'], or omit the option").atConstruct(this);
    }
    const groupName = props.groupName ?? 'keelson pins';
    const projenrc = ['/^\\.projenrc\\.ts$/'];
    this.config = {
      $schema: 'https://docs.renovatebot.com/renovate-schema.json',
      extends: ['config:recommended'],
      enabledManagers: ['npm', 'custom.regex'],
      schedule: [...schedule],
      customManagers: [
        ...(['builder', 'runtime'] as const).map((which) => ({
          customType: 'regex',
          description: `The ${which} base image of the Dockerfile, pinned by digest in .projenrc.ts`,
          managerFilePatterns: projenrc,
          matchStrings: [`${which}Image:\\s*['"](?<depName>[^'":@\\s]+):(?<currentValue>[^'"@\\s]+)['"],\\s*${which}ImageDigest:\\s*['"](?<currentDigest>${DIGEST})['"]`],
          datasourceTemplate: 'docker',
        })),
        {
          customType: 'regex',
          description: 'Image references pinned by digest in .projenrc.ts (repository:tag@sha256:...)',
          managerFilePatterns: projenrc,
          matchStrings: [`['"](?<depName>[a-z0-9][a-z0-9./_-]*(?::[0-9]+/[a-z0-9./_-]+)?):(?<currentValue>[\\w][\\w.-]*)@(?<currentDigest>${DIGEST})['"]`],
          datasourceTemplate: 'docker',
        },
        ...([['gunicorn', 'gunicorn'], ['uvicornWorker', 'uvicorn-worker']] as const).map(([option, pkg]) => ({
          customType: 'regex',
          description: `The ${pkg} version of requirements-server.txt, pinned in .projenrc.ts`,
          managerFilePatterns: projenrc,
          matchStrings: [`${option}:\\s*['"](?<currentValue>[0-9][^'"\\s]*)['"]`],
          depNameTemplate: pkg,
          datasourceTemplate: 'pypi',
        })),
      ],
      packageRules: [
        {
          description: 'Keelson packages bring new default pins: same group',
          matchManagers: ['npm'],
          matchPackageNames: ['@keelson/**', 'projen'],
          groupName,
        },
        {
          description: 'Every pin Keelson reads in one pull request, re-synthesized by keelson-resynth',
          matchManagers: ['custom.regex'],
          groupName,
          pinDigests: true,
        },
      ],
      postUpgradeTasks: {
        commands: [props.installCommand ?? 'npm ci', 'npx projen'],
        fileFilters: ['**/*'],
        executionMode: 'branch',
      },
    };
    const runsOn = [props.runsOn ?? 'ubuntu-24.04'];
    this.workflow = {
      name: 'keelson-resynth',
      on: { pullRequest: { types: ['opened', 'synchronize', 'reopened'] } },
      permissions: {},
      jobs: {
        resynth: {
          name: 'Re-synthesize the files the update affects',
          // Only Renovate's own branches in this repository: a fork's pull request never gets a write token.
          if: "github.event.pull_request.head.repo.full_name == github.repository && startsWith(github.head_ref, 'renovate/')",
          runsOn,
          permissions: { contents: github.workflows.JobPermission.WRITE },
          steps: [
            { name: 'Check out the pull request branch', uses: usesOf(PINNED_ACTIONS.checkout), with: { ref: '${{ github.head_ref }}' } },
            { name: 'Set up Node.js', uses: usesOf(PINNED_ACTIONS.setupNode), with: { 'node-version': props.nodeVersion ?? '20' } },
            { name: 'Install projen and Keelson', run: props.installCommand ?? 'npm ci' },
            { name: 'Re-synthesize', run: 'npx projen' },
            {
              name: 'Commit the regenerated files to the pull request',
              run: [
                'git add -A',
                'if git diff --cached --quiet; then exit 0; fi',
                'git config user.name "github-actions[bot]"',
                'git config user.email "41898282+github-actions[bot]@users.noreply.github.com"',
                'git commit -m "chore: re-synthesize for the updated pins"',
                'git push',
              ].join('\n'),
            },
          ],
        },
      },
    };
    new GeneratedFile(project, RENOVATE_FILE, () => JSON.stringify(this.config, null, 2), {
      commentPrefix: '//',
      editHint: 'change the UpdateAutomation props or its `config` in .projenrc.ts',
    });
    new GeneratedFile(project, RESYNTH_WORKFLOW_FILE, () => renderWorkflow(this.workflow), {
      editHint: 'change the UpdateAutomation props or its `workflow` model in .projenrc.ts',
    });
  }
}
