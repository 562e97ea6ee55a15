// NeuroForge's contracts: generated gRPC/event types per context (namespaced, because contexts reuse message
// names), the proto-loader options the types describe, and the typed event catalogue.
export * from './events/catalogue';
export * as auth from './generated/neuroforge/auth/v1/auth';
export * as authEvents from './generated/neuroforge/auth/v1/events';
export * as common from './generated/neuroforge/common/v1/common';
export * as embeddings from './generated/neuroforge/embeddings/v1/embeddings';
export * as embeddingsEvents from './generated/neuroforge/embeddings/v1/events';
export * as inferenceEvents from './generated/neuroforge/inference/v1/events';
export * as inference from './generated/neuroforge/inference/v1/inference';
export * as modelsEvents from './generated/neuroforge/models/v1/events';
export * as models from './generated/neuroforge/models/v1/models';
export * as trainingEvents from './generated/neuroforge/training/v1/events';
export * as training from './generated/neuroforge/training/v1/training';
export * from './grpc-options';
export {
  DEFAULT_ALIAS,
  type ModelRef,
  modelRefSyntaxError,
  refKey,
  tryParseModelRef,
  versionKey,
} from './model-ref';
export { findProtoRoot, PROTO_ROOT, PROTO_ROOT_ENV } from './proto-root';
export { installStructWrapper } from './struct-wrapper';
