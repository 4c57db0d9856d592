export * from './runtime-flavour';
export * from './dockerfile-model';
export * from './dockerfile-render';
export * from './server-requirements';
export * from './dockerfile';
export * from './dockerignore';
