import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GATEWAY_CONTROLLERS } from '../interface/http/controllers';
import { GATEWAY_VERSION } from '../interface/http/system-health.http.controller';
import { buildOpenApiDocument } from './openapi-document';

const COMMITTED = join(__dirname, '../../../../docs/api/openapi.json');
// NF_UPDATE_DOCS=1 rewrites the committed document instead of comparing it.
const update = process.env.NF_UPDATE_DOCS === '1';

type Operation = { security: unknown[]; requestBody?: unknown; 'x-neuroforge-permission'?: string };
const document = buildOpenApiDocument(GATEWAY_CONTROLLERS, GATEWAY_VERSION);
const paths = document.paths as Record<string, Record<string, Operation>>;

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 and matches the committed docs/api/openapi.json', () => {
    expect(document.openapi).toBe('3.1.0');
    // Compared as data, so the formatter may lay the file out as it likes (`biome format --write docs/api`).
    if (update) writeFileSync(COMMITTED, `${JSON.stringify(document, null, 2)}\n`);
    const committed = JSON.parse(readFileSync(COMMITTED, 'utf8'));
    expect(committed, 'run NF_UPDATE_DOCS=1 npx vitest run services/gateway/src/openapi').toEqual(
      JSON.parse(JSON.stringify(document)),
    );
  });

  it('documents every REST and OpenAI route, with the body schemas that validate them', () => {
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/models',
        '/api/v1/models/{id}',
        '/api/v1/generate/text',
        '/api/v1/generate/multimodal',
        '/api/v1/generate/stream',
        '/api/v1/training/start',
        '/api/v1/training/{id}/status',
        '/api/v1/training/{id}/stop',
        '/api/v1/training/{id}/events',
        '/api/v1/training/datasets',
        '/api/v1/system/health',
        '/api/v1/system/metrics',
        '/api/v1/system/info',
        '/api/v1/auth/register',
        '/api/v1/auth/login',
        '/api/v1/auth/refresh',
        '/api/v1/auth/logout',
        '/api/v1/auth/api-keys',
        '/api/v1/auth/api-keys/{id}',
        '/v1/models',
        '/v1/completions',
        '/v1/chat/completions',
        '/v1/embeddings',
      ]),
    );
    const body = paths['/api/v1/generate/text']?.post?.requestBody as {
      content: { 'application/json': { schema: { properties: Record<string, unknown>; required: string[] } } };
    };
    const schema = body.content['application/json'].schema;
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['prompt', 'model_name', 'max_tokens', 'temperature', 'top_k', 'top_p', 'stream']),
    );
    expect(schema.required).toEqual(expect.arrayContaining(['prompt', 'model_name']));
  });

  it('marks only health, register and login as needing no credential, and names each permission', () => {
    const open = Object.entries(paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op.security.length === 0)
        .map(([method]) => `${method} ${path}`),
    );
    expect(open.sort()).toEqual(
      [
        'get /api/v1/system/health',
        'post /api/v1/auth/login',
        'post /api/v1/auth/logout',
        'post /api/v1/auth/refresh',
        'post /api/v1/auth/register',
      ].sort(),
    );
    expect(paths['/api/v1/models']?.post?.['x-neuroforge-permission']).toBe('models:write');
    expect(paths['/v1/chat/completions']?.post?.['x-neuroforge-permission']).toBe('generate');
  });
});
