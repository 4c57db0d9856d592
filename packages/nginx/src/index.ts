export * from './nginx-model';
export * from './nginx-render';
export * from './nginx-version';
export * from './tls-profile';
export * from './rate-limit';
export * from './nginx-config-props';
export * from './nginx-config-checks';
export * from './nginx-config';
