export * from './encoder';
export * from './encoder-graph';
