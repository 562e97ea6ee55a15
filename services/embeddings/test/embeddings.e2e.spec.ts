import { describeServiceLifecycle } from '@neuroforge/service-kit/testing';

describeServiceLifecycle('embeddings', { dependencies: ['mongo', 'postgres', 'kafka'] });
