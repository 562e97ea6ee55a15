import { describeServiceLifecycle } from '@neuroforge/service-kit/testing';

describeServiceLifecycle('training', {
  dependencies: ['mongo', 'kafka'],
  grpcServices: ['neuroforge.training.v1.TrainingService'],
});
