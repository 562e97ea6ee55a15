export * from './checkpoint';
export * from './config';
export * from './graph';
export * from './model';
export * from './reference';
export * from './tables';
export * from './weights';
