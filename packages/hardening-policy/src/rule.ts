import {
  AppServerView, ComposeView, DockerIgnoreView, DockerfileView, ImagePipelineView, KubernetesView, ReverseProxyView,
} from '@keelson/core';

/** A resolved model, with the construct path of the component that will write it. */
export interface Located<T> {
  /** The construct path, e.g. `my-service/Compose`. */
  readonly path: string;
  readonly model: T;
}

/** Everything the project will write, as the rules read it: resolved models, after escape hatches. */
export interface PolicyInput {
  readonly dockerfiles: readonly Located<DockerfileView>[];
  readonly dockerignores: readonly Located<DockerIgnoreView>[];
  readonly appServers: readonly Located<AppServerView>[];
  readonly proxies: readonly Located<ReverseProxyView>[];
  readonly composes: readonly Located<ComposeView>[];
  readonly kubernetes: readonly Located<KubernetesView>[];
  /** CI workflows that build, scan and publish the image (@keelson/pipeline's ImagePipeline). */
  readonly pipelines: readonly Located<ImagePipelineView>[];
}

/** What a rule found about one target. */
export type Verdict = Compliant | NonCompliant;

/** The target satisfies the rule. */
export interface Compliant {
  readonly status: 'compliant';
  /** What was checked: `<file>#<pointer>`, e.g. `compose.prod.yaml#services/app`. */
  readonly target: string;
}

/** The target breaks the rule. */
export interface NonCompliant {
  readonly status: 'non-compliant';
  /**
   * What breaks it: `<file>#<pointer>`, e.g. `compose.prod.yaml#services/app`. A waiver names it: it is stable
   * across synths as long as the file and the thing in it keep their names.
   */
  readonly target: string;
  /** The construct path of the component that writes the file to change. */
  readonly path: string;
  /** The file to change, relative to the project root. */
  readonly file: string;
  /** What is wrong, with the values involved. */
  readonly message: string;
}

/**
 * A hardening rule: a pure function of the resolved models. It returns one verdict per target it applies to; an
 * empty list means it is not applicable to this project.
 */
export interface Rule {
  /** PascalCase, the name of its file. */
  readonly name: string;
  /** `single-file` rules match what one-file linters check; `cross-file` rules need several files at once. */
  readonly scope: 'single-file' | 'cross-file';
  /** One line: what it checks. */
  readonly what: string;
  evaluate(input: PolicyInput): Verdict[];
}

/** A compliant verdict. */
export function compliant(target: string): Compliant {
  return { status: 'compliant', target };
}

/** A non-compliant verdict. */
export function nonCompliant(target: string, path: string, file: string, message: string): NonCompliant {
  return { status: 'non-compliant', target, path, file, message };
}

/** A verdict for a check: compliant when `ok`, else non-compliant with `message`. */
export function verdict(ok: boolean, target: string, path: string, file: string, message: () => string): Verdict {
  return ok ? compliant(target) : nonCompliant(target, path, file, message());
}
