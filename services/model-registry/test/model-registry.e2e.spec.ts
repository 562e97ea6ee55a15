import { describeServiceLifecycle } from '@neuroforge/service-kit/testing';

describeServiceLifecycle('model-registry', {
  dependencies: ['mongo', 'kafka'],
  grpcServices: ['neuroforge.models.v1.ModelRegistryService'],
});
