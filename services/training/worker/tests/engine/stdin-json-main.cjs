// The frame both engine parity scripts share: read one JSON request from stdin, load the model it names, write the
// JSON result to stdout and dispose the model; any error goes to stderr with exit 1, which the pytest side reports.
const { readFileSync } = require('node:fs');

/**
 * @param {(req: any) => Promise<{ dispose(): Promise<void> }>} load opens the model for a request
 * @param {(model: any, req: any) => Promise<object>} compute the JSON-serialisable result
 */
function runStdinJson(load, compute) {
  const main = async () => {
    const req = JSON.parse(readFileSync(0, 'utf8'));
    const model = await load(req);
    try {
      process.stdout.write(JSON.stringify(await compute(model, req)));
    } finally {
      await model.dispose();
    }
  };
  main().catch((err) => {
    process.stderr.write(`${err.stack || err}\n`);
    process.exit(1);
  });
}

module.exports = { runStdinJson };
