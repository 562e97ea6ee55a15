// Readiness probe for FerretDB: exits 0 once a MongoDB `ping` succeeds over the wire protocol.
// Usage: node mongo-ping.js <port>
const { MongoClient } = require('mongodb');

const port = process.argv[2] ?? '27017';

async function main() {
  const client = new MongoClient(`mongodb://127.0.0.1:${port}/`, {
    serverSelectionTimeoutMS: 2000,
    connectTimeoutMS: 2000,
    directConnection: true,
  });
  try {
    await client.connect();
    const reply = await client.db('admin').command({ ping: 1 });
    if (reply.ok !== 1) throw new Error(`ping answered ${JSON.stringify(reply)}`);
  } finally {
    await client.close();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`ferretdb not ready: ${error.message}\n`);
    process.exit(1);
  },
);
