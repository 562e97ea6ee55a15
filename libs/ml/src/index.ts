// The NeuroForge engine: ONNX graph builder, RetNet/MoE/multimodal models, tokenizers, generation, runtime.
// Each area exports its public API here.
export * from './embedding';
export * from './generation';
export * from './moe';
export * from './multimodal';
export * from './onnx';
export * from './retnet';
export * from './runtime';
export * from './tokenizers';
export * from './transformer';
export * from './weights';
