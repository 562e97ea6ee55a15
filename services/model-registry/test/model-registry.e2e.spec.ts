import { describeServiceLifecycle } from '@neuroforge/service-kit/testing';

describeServiceLifecycle('model-registry', { dependencies: ['mongo', 'kafka'] });
