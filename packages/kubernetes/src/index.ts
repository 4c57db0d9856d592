export * from './kubernetes';
export * from './kubernetes-model';
export * from './kubernetes-pod-security';
export * from './kubernetes-props';
export * from './kubernetes-render';
export * from './kubernetes-view';
