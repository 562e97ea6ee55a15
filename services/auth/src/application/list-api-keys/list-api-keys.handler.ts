import { Inject, Injectable } from '@nestjs/common';
import { API_KEY_STORE, type ApiKeyStore, type ApiKeyView } from '../ports/api-key-store.port';
import { nextPageToken, readPage } from '../shared/pagination';
import { type Principal, requireOwnerOrAdmin } from '../shared/principal';

export interface ListApiKeysQuery {
  userId: string;
  pageSize: number;
  pageToken: string;
  includeRevoked: boolean;
}

@Injectable()
export class ListApiKeysHandler {
  constructor(@Inject(API_KEY_STORE) private readonly keys: ApiKeyStore) {}

  async execute(caller: Principal, query: ListApiKeysQuery): Promise<{ apiKeys: ApiKeyView[]; nextPageToken: string }> {
    const ownerId = query.userId || caller.userId;
    requireOwnerOrAdmin(caller, ownerId, 'api_keys:manage');
    const page = readPage(query.pageSize, query.pageToken);
    const apiKeys = await this.keys.listByUser(ownerId, { includeRevoked: query.includeRevoked, ...page });
    return { apiKeys, nextPageToken: nextPageToken(page.offset, page.limit, apiKeys.length) };
  }
}
