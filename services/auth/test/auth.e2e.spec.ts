import { describeServiceLifecycle } from '@neuroforge/service-kit/testing';

describeServiceLifecycle('auth', {
  dependencies: ['mongo', 'kafka', 'redis'],
  grpcServices: ['neuroforge.auth.v1.AuthService'],
});
