import { ApiObject, App, Chart } from 'cdk8s';
import { stringify } from 'yaml';
import { KubernetesManifest } from './kubernetes-model';

/**
 * Renders manifests through cdk8s: a separate cdk8s App and Chart (cdk8s constructs need a cdk8s root, not a
 * projen project), one ApiObject per manifest, `chart.toJson()`, then YAML documents separated by `---`.
 */
export function renderManifests(manifests: readonly KubernetesManifest[]): string {
  const app = new App({ outdir: '.' });
  const chart = new Chart(app, 'k8s', { disableResourceNameHashes: true });
  manifests.forEach((manifest, index) => {
    const { apiVersion, kind, metadata, ...rest } = JSON.parse(JSON.stringify(manifest)) as KubernetesManifest;
    new ApiObject(chart, `${kind}-${metadata.name}-${index}`, { apiVersion, kind, metadata, ...rest });
  });
  return chart.toJson().map((doc) => stringify(doc, { lineWidth: 0 })).join('---\n');
}
