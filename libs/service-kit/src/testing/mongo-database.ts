import { connectMongo } from '../mongo/connect-mongo';

/** Removes a test's throw-away database (`mongodb://host:port/<name>`). */
export async function dropMongoDatabase(url: string): Promise<void> {
  const connection = await connectMongo({ mongo_url: url, mongo_pool_size: 1 });
  try {
    await connection.dropDatabase();
  } finally {
    await connection.close();
  }
}
