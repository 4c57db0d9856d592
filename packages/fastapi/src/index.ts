export * from './deployment-doc';
export * from './fastapi-service';
export * from './fastapi-project';
