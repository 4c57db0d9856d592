// Validates Kubernetes manifests (a JSON array on stdin) against kubernetes-models' OpenAPI schemas; prints a JSON
// array of { kind, name, error } for the invalid ones. A child process, since kubernetes-models is ESM-only.
import { readFileSync } from 'fs';

const KINDS = {
  'v1/ConfigMap': 'kubernetes-models/v1/ConfigMap',
  'v1/Service': 'kubernetes-models/v1/Service',
  'apps/v1/Deployment': 'kubernetes-models/apps/v1/Deployment',
  'apps/v1/StatefulSet': 'kubernetes-models/apps/v1/StatefulSet',
  'batch/v1/Job': 'kubernetes-models/batch/v1/Job',
  'autoscaling/v2/HorizontalPodAutoscaler': 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
  'policy/v1/PodDisruptionBudget': 'kubernetes-models/policy/v1/PodDisruptionBudget',
  'networking.k8s.io/v1/Ingress': 'kubernetes-models/networking.k8s.io/v1/Ingress',
  'networking.k8s.io/v1/NetworkPolicy': 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
};
const manifests = JSON.parse(readFileSync(0, 'utf-8'));
const results = [];
for (const m of manifests) {
  const key = `${m.apiVersion}/${m.kind}`;
  const module = KINDS[key];
  if (!module) { results.push({ kind: m.kind, name: m.metadata?.name, error: `no schema for ${key}` }); continue; }
  const cls = (await import(module))[m.kind];
  try { new cls(m).validate(); } catch (e) { results.push({ kind: m.kind, name: m.metadata?.name, error: String(e.message ?? e) }); }
}
process.stdout.write(JSON.stringify(results));
