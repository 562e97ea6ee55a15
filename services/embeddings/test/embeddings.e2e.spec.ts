import { describeServiceLifecycle } from '@neuroforge/service-kit/testing';

describeServiceLifecycle('embeddings', {
  dependencies: ['mongo', 'postgres', 'kafka'],
  grpcServices: ['neuroforge.embeddings.v1.EmbeddingsService'],
});
