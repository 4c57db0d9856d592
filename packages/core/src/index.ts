export * from './errors';
export * from './image-reference';
export * from './service-endpoint';
export * from './security-profile';
export * from './resource-limits';
export * from './generated-file';
export * from './keelson-synth';
export * from './service-project';
