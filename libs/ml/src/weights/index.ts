export * from './model-dir';
export * from './random';
export * from './safetensors';
export * from './tensor';
