import type { Role } from '@neuroforge/auth-policy';
import { isDuplicateKeyError } from '@neuroforge/events';
import type { mongo } from 'mongoose';
import type { UserAccounts, UserView } from '../application/ports/user-accounts.port';

interface EmailDoc {
  _id: string;
  userId: string;
}
interface CredentialDoc {
  _id: string;
  passwordHash: string;
}
interface UserDoc {
  _id: string;
  email: string;
  displayName: string;
  role: Role;
  createdAt: Date;
  lastLoginAt: Date | null;
}

/** Collections `user_emails` (the unique reservation: `_id` = email), `user_credentials`, `users_view`. */
export class MongoUserAccounts implements UserAccounts {
  private readonly emails: mongo.Collection<EmailDoc>;
  private readonly credentials: mongo.Collection<CredentialDoc>;
  private readonly users: mongo.Collection<UserDoc>;

  constructor(db: mongo.Db) {
    this.emails = db.collection('user_emails');
    this.credentials = db.collection('user_credentials');
    this.users = db.collection('users_view');
  }

  async init(): Promise<void> {
    await this.users.createIndex({ createdAt: 1 });
  }

  async reserveEmail(email: string, userId: string): Promise<boolean> {
    try {
      await this.emails.insertOne({ _id: email, userId });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  async releaseEmail(email: string, userId: string): Promise<void> {
    await this.emails.deleteOne({ _id: email, userId });
  }

  async userIdByEmail(email: string): Promise<string | null> {
    return (await this.emails.findOne({ _id: email }))?.userId ?? null;
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.credentials.replaceOne({ _id: userId }, { passwordHash }, { upsert: true });
  }

  async passwordHash(userId: string): Promise<string | null> {
    return (await this.credentials.findOne({ _id: userId }))?.passwordHash ?? null;
  }

  async saveView(view: UserView): Promise<void> {
    const { userId, ...rest } = view;
    await this.users.replaceOne({ _id: userId }, rest, { upsert: true });
  }

  async view(userId: string): Promise<UserView | null> {
    const doc = await this.users.findOne({ _id: userId });
    return doc ? toView(doc) : null;
  }

  async setRole(userId: string, role: Role): Promise<void> {
    await this.users.updateOne({ _id: userId }, { $set: { role } });
  }

  async recordLogin(userId: string, at: Date): Promise<void> {
    await this.users.updateOne({ _id: userId }, { $set: { lastLoginAt: at } });
  }

  async list(filter: { role?: Role; offset: number; limit: number }): Promise<UserView[]> {
    const query = filter.role ? { role: filter.role } : {};
    const docs = await this.users
      .find(query)
      .sort({ createdAt: 1, _id: 1 })
      .skip(filter.offset)
      .limit(filter.limit)
      .toArray();
    return docs.map(toView);
  }
}

function toView(doc: UserDoc): UserView {
  return {
    userId: doc._id,
    email: doc.email,
    displayName: doc.displayName,
    role: doc.role,
    createdAt: doc.createdAt,
    lastLoginAt: doc.lastLoginAt ?? null,
  };
}
