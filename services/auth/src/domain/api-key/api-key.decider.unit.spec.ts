import { DeciderSpecification } from '@neuroforge/events';
import { describe, expect, it } from 'vitest';
import type { ApiKeyCommand } from './api-key.commands';
import { apiKeyDecider } from './api-key.decider';
import type { ApiKeyEvent } from './api-key.events';

const spec = DeciderSpecification.for(apiKeyDecider);
const create: ApiKeyCommand = {
  type: 'create_api_key',
  data: {
    apiKeyId: 'k1',
    userId: 'u1',
    name: 'ci',
    prefix: 'nf_k1',
    scopes: ['generate'],
    expiresAt: '2030-01-02T03:04:05.000Z',
  },
};
const created: ApiKeyEvent = {
  type: 'api_key_created',
  data: {
    apiKeyId: 'k1',
    userId: 'u1',
    name: 'ci',
    prefix: 'nf_k1',
    scopes: ['generate'],
    expiresAt: { seconds: String(Date.UTC(2030, 0, 2, 3, 4, 5) / 1000), nanos: 0 },
  },
};
const revoked: ApiKeyEvent = { type: 'api_key_revoked', data: { apiKeyId: 'k1', userId: 'u1', revokedByUserId: 'u1' } };

describe('ApiKey decider', () => {
  it('creates a key with its scopes and expiry as a timestamp', () => {
    spec.given([]).when(create).then([created]);
  });

  it('creates a key without expiry', () => {
    spec
      .given([])
      .when({ ...create, data: { ...create.data, expiresAt: null } })
      .then([{ ...created, data: { ...created.data, expiresAt: null } }]);
  });

  it('refuses to create a key twice under one id', () => {
    spec.given([created]).when(create).thenThrows('AUTH.CONFLICT');
  });

  it('revokes an active key, naming who revoked it', () => {
    spec
      .given([created])
      .when({ type: 'revoke_api_key', data: { revokedByUserId: 'u1' } })
      .then([revoked]);
  });

  it('revoking a revoked key changes nothing', () => {
    spec
      .given([created, revoked])
      .when({ type: 'revoke_api_key', data: { revokedByUserId: 'u1' } })
      .then([]);
  });

  it('refuses to revoke an unknown key', () => {
    spec
      .given([])
      .when({ type: 'revoke_api_key', data: { revokedByUserId: 'u1' } })
      .thenThrows('AUTH.KEY_NOT_FOUND');
  });

  it('folds to a revoked state that keeps the expiry as ISO text', () => {
    const state = [created, revoked].reduce(apiKeyDecider.evolve, apiKeyDecider.initialState());
    expect(state).toMatchObject({ status: 'revoked', expiresAt: '2030-01-02T03:04:05.000Z', scopes: ['generate'] });
  });
});
