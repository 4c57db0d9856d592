export * from './worker-class';
export * from './gunicorn-model';
export * from './gunicorn-render';
export * from './gunicorn-config';
