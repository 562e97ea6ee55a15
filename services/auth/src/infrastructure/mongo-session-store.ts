import type { mongo } from 'mongoose';
import type { RefreshTokenRecord, SessionRecord, SessionStore } from '../application/ports/session-store.port';

interface SessionDoc {
  _id: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}
interface TokenDoc {
  _id: string;
  sessionId: string;
  userId: string;
  expiresAt: Date;
  rotatedAt: Date | null;
}

/**
 * Collections `refresh_sessions` and `refresh_tokens` (`_id` = SHA-256 of the token). FerretDB has no TTL
 * indexes, so expired rows stay until pruned; they are refused by their `expiresAt`, never trusted.
 */
export class MongoSessionStore implements SessionStore {
  private readonly sessions: mongo.Collection<SessionDoc>;
  private readonly tokens: mongo.Collection<TokenDoc>;

  constructor(db: mongo.Db) {
    this.sessions = db.collection('refresh_sessions');
    this.tokens = db.collection('refresh_tokens');
  }

  async init(): Promise<void> {
    await this.sessions.createIndex({ userId: 1 });
  }

  async createSession(session: SessionRecord): Promise<void> {
    const { sessionId, ...rest } = session;
    await this.sessions.insertOne({ _id: sessionId, ...rest });
  }

  async session(sessionId: string): Promise<SessionRecord | null> {
    const doc = await this.sessions.findOne({ _id: sessionId });
    return doc ? toSession(doc) : null;
  }

  async revokeSession(sessionId: string, at: Date): Promise<boolean> {
    const result = await this.sessions.updateOne({ _id: sessionId, revokedAt: null }, { $set: { revokedAt: at } });
    return result.modifiedCount === 1;
  }

  async activeSessionsOf(userId: string, now: Date): Promise<SessionRecord[]> {
    const docs = await this.sessions.find({ userId, revokedAt: null, expiresAt: { $gt: now } }).toArray();
    return docs.map(toSession);
  }

  async saveToken(token: RefreshTokenRecord): Promise<void> {
    const { tokenHash, ...rest } = token;
    await this.tokens.insertOne({ _id: tokenHash, ...rest });
  }

  async consumeToken(tokenHash: string, at: Date): Promise<RefreshTokenRecord | null> {
    // One atomic conditional write: of two concurrent refreshes with one token, exactly one matches rotatedAt: null.
    const fresh = await this.tokens.findOneAndUpdate(
      { _id: tokenHash, rotatedAt: null },
      { $set: { rotatedAt: at } },
      { returnDocument: 'before' },
    );
    const doc = fresh ?? (await this.tokens.findOne({ _id: tokenHash }));
    if (!doc) return null;
    const { _id, ...rest } = doc;
    return { tokenHash: _id, ...rest, rotatedAt: rest.rotatedAt ?? null };
  }
}

function toSession(doc: SessionDoc): SessionRecord {
  const { _id, ...rest } = doc;
  return { sessionId: _id, ...rest, revokedAt: rest.revokedAt ?? null };
}
