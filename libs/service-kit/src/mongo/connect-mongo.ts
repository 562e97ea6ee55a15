// The one way a service opens its MongoDB connection: a bounded pool (`stack.mongo_pool_size`, default 10) and
// bounded waits, because FerretDB slows down and then hangs when clients open hundreds of connections, and an
// unbounded wait turns a stuck database into stuck requests instead of errors a client can retry.
import type { NeuroForgeConfig } from '@neuroforge/config';
import mongoose, { type Connection } from 'mongoose';

export interface ConnectMongoOptions {
  /** Overrides `stack.mongo_pool_size`. */
  maxPoolSize?: number;
  /** How long to look for a reachable server, at connect and per operation (default 5 s). */
  serverSelectionTimeoutMS?: number;
  /** Shown in the server's logs and `currentOp`, e.g. `neuroforge-auth`. */
  appName?: string;
}

/** TCP connect (5 s) and a socket silent for a minute are failures, not hangs; normal operations take milliseconds. */
const CONNECT_TIMEOUT_MS = 5_000;
const SOCKET_TIMEOUT_MS = 60_000;
/** A request waiting this long for a free pooled connection fails (the pool is saturated or the server stuck). */
const WAIT_QUEUE_TIMEOUT_MS = 15_000;
/** Connections idle this long are closed, so a burst does not hold the pool at its bound. */
const MAX_IDLE_TIME_MS = 60_000;

/** Opens and awaits a mongoose connection to `stack.mongo_url`; a connection that failed is closed. */
export async function connectMongo(
  stack: Pick<NeuroForgeConfig['stack'], 'mongo_url' | 'mongo_pool_size'>,
  options: ConnectMongoOptions = {},
): Promise<Connection> {
  const connection = mongoose.createConnection(stack.mongo_url, {
    maxPoolSize: options.maxPoolSize ?? stack.mongo_pool_size,
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 5_000,
    connectTimeoutMS: CONNECT_TIMEOUT_MS,
    socketTimeoutMS: SOCKET_TIMEOUT_MS,
    waitQueueTimeoutMS: WAIT_QUEUE_TIMEOUT_MS,
    maxIdleTimeMS: MAX_IDLE_TIME_MS,
    ...(options.appName ? { appName: options.appName } : {}),
  });
  try {
    return await connection.asPromise();
  } catch (error) {
    await connection.close(true).catch(() => undefined);
    throw error;
  }
}

/** The connection's database handle (present once connected). */
export function mongoDb(connection: Connection): NonNullable<Connection['db']> {
  if (!connection.db) throw new Error('mongoose connection has no database handle; await connectMongo() first');
  return connection.db;
}
