/** One Kubernetes object as it will be written: plain JSON, editable before the synth (the escape hatch). */
export interface KubernetesManifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: any;
}

/**
 * The in-memory model of the k8s/ directory: manifests by file (`k8s/app.yaml`, ...), in order. The files are
 * rendered from it at synth, so a change made here in `.projenrc.ts` is what is written and what the policy reads.
 */
export class KubernetesModel {
  /** Manifests by file path, in the order they are written. */
  public readonly files: Record<string, KubernetesManifest[]> = {};

  /** Adds a manifest to a file. */
  public add(file: string, manifest: KubernetesManifest): KubernetesManifest {
    (this.files[file] ??= []).push(manifest);
    return manifest;
  }

  /** Every manifest, file by file. */
  public get manifests(): KubernetesManifest[] {
    return Object.values(this.files).flat();
  }

  /** The manifest of `kind` named `name`; throws when there is none. */
  public find(kind: string, name: string): KubernetesManifest {
    const found = this.manifests.find((m) => m.kind === kind && m.metadata.name === name);
    if (!found) throw new Error(`no ${kind} named '${name}' in the Kubernetes model`);
    return found;
  }

  /** The file a manifest is written to. */
  public fileOf(manifest: KubernetesManifest): string | undefined {
    return Object.entries(this.files).find(([, list]) => list.includes(manifest))?.[0];
  }
}
