export * from './generate';
export * from './generation-sequence';
export * from './language-model';
export * from './logits-processors';
export * from './params';
export * from './prng';
export * from './stop-sequences';
export * from './token-selector';
