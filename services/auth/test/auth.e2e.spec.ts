import { describeServiceLifecycle } from '@neuroforge/service-kit/testing';

describeServiceLifecycle('auth', { dependencies: ['mongo', 'kafka', 'redis'] });
