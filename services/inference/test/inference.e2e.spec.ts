import { describeServiceLifecycle } from '@neuroforge/service-kit/testing';

describeServiceLifecycle('inference', {
  dependencies: ['kafka', 'redis'],
  grpcServices: ['neuroforge.inference.v1.InferenceService'],
});
