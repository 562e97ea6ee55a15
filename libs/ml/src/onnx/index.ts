export * from './graph-builder';
export * from './layers';
