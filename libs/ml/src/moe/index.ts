export * from './config';
export * from './graph';
export * from './reference';
export * from './stats';
export * from './weights';
