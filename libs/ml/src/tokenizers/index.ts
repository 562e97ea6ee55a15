export * from './byte-tokenizer';
export * from './gpt2-ranks';
export * from './gpt2-tokenizer';
export * from './registry';
export * from './streaming-detokenizer';
export * from './tiktoken-export';
export * from './tokenizer';
