import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@neuroforge/source'] },
  ssr: { resolve: { conditions: ['@neuroforge/source'] } },
  test: {
    include: [
      'libs/*/src/**/*.spec.ts',
      'infra/**/*.spec.ts',
      'services/*/src/**/*.spec.ts',
      'services/*/test/**/*.spec.ts',
      'bench/**/*.spec.ts',
    ],
    pool: 'forks',
  },
});
