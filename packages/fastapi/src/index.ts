export * from './deployment-doc';
export * from './fastapi-service';
