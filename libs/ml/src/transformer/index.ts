export * from './decoder';
