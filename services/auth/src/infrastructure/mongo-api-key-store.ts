import type { mongo } from 'mongoose';
import type { ApiKeyStore, ApiKeyView } from '../application/ports/api-key-store.port';

interface SecretDoc {
  _id: string;
  userId: string;
  secretHash: string;
}
type ViewDoc = Omit<ApiKeyView, 'apiKeyId'> & { _id: string };

/** Collections `api_key_secrets` (SHA-256 of each secret) and `api_keys_view` (the listing). */
export class MongoApiKeyStore implements ApiKeyStore {
  private readonly secrets: mongo.Collection<SecretDoc>;
  private readonly views: mongo.Collection<ViewDoc>;

  constructor(db: mongo.Db) {
    this.secrets = db.collection('api_key_secrets');
    this.views = db.collection('api_keys_view');
  }

  async init(): Promise<void> {
    await this.views.createIndex({ userId: 1, createdAt: -1 });
  }

  async saveSecret(apiKeyId: string, userId: string, secretHash: string): Promise<void> {
    await this.secrets.insertOne({ _id: apiKeyId, userId, secretHash });
  }

  async secret(apiKeyId: string): Promise<{ userId: string; secretHash: string } | null> {
    const doc = await this.secrets.findOne({ _id: apiKeyId });
    return doc ? { userId: doc.userId, secretHash: doc.secretHash } : null;
  }

  async saveView(view: ApiKeyView): Promise<void> {
    const { apiKeyId, ...rest } = view;
    await this.views.replaceOne({ _id: apiKeyId }, rest, { upsert: true });
  }

  async view(apiKeyId: string): Promise<ApiKeyView | null> {
    const doc = await this.views.findOne({ _id: apiKeyId });
    if (!doc) return null;
    const { _id, ...rest } = doc;
    return { apiKeyId: _id, ...rest };
  }

  async markRevoked(apiKeyId: string): Promise<void> {
    await this.views.updateOne({ _id: apiKeyId }, { $set: { revoked: true } });
  }

  async touch(apiKeyId: string, at: Date): Promise<void> {
    await this.views.updateOne({ _id: apiKeyId }, { $set: { lastUsedAt: at } });
  }

  async listByUser(
    userId: string,
    filter: { includeRevoked: boolean; offset: number; limit: number },
  ): Promise<ApiKeyView[]> {
    const query = filter.includeRevoked ? { userId } : { userId, revoked: false };
    const docs = await this.views
      .find(query)
      .sort({ createdAt: -1, _id: 1 })
      .skip(filter.offset)
      .limit(filter.limit)
      .toArray();
    return docs.map(({ _id, ...rest }) => ({ apiKeyId: _id, ...rest }));
  }
}
