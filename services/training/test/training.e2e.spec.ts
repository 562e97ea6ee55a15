import { describeServiceLifecycle } from '@neuroforge/service-kit/testing';

describeServiceLifecycle('training', { dependencies: ['mongo', 'kafka'] });
