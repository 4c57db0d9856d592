export * from './pinned-actions';
export * from './severity';
export * from './trivy-ignore';
export * from './pipeline-view';
export * from './image-pipeline';
export * from './update-automation';
export type { WorkflowModel } from './private/workflow-render';
