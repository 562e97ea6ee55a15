// Runs the engine (@neuroforge/ml's RetNetModel on onnxruntime-node) on a model folder written by the worker and
// prints the logits as JSON, for the cross-language parity test (test_parity_engine.py).
// stdin: {"modelDir", "chunkSize", "prompt": [ids], "continuation": [ids], "batch": [[ids], [ids]]}
const { RetNetModel } = require('@neuroforge/ml');
const { runStdinJson } = require('./stdin-json-main.cjs');

runStdinJson(
  (req) =>
    RetNetModel.load(req.modelDir, { device: 'cpu', intraOpThreads: 1, chunkSize: req.chunkSize, log: () => {} }),
  async (model, req) => {
    const out = {};
    // Parallel form on a fresh prompt; chunkwise form on the same prompt (several chunks).
    const parallel = await model.prefillWith('parallel', req.prompt);
    out.parallel = Array.from(parallel.logits);
    const chunkwise = await model.prefillWith('chunkwise', req.prompt);
    out.chunkwise = Array.from(chunkwise.logits);
    // Chunkwise continuation from the cached state.
    const continued = await model.prefill(req.continuation, { state: chunkwise.state, position: chunkwise.position });
    out.continued = Array.from(continued.logits);
    // Batched recurrent decode: every sequence but its last token prefilled alone, states stacked, one step at
    // each sequence's own position.
    const states = [];
    for (const seq of req.batch) states.push((await model.prefill(seq.slice(0, -1))).state);
    const step = await model.decodeStep(
      req.batch.map((s) => s[s.length - 1]),
      req.batch.map((s) => s.length - 1),
      model.stackStates(states),
    );
    out.decode = Array.from(step.logits);
    out.vocabSize = model.vocabSize;
    return out;
  },
);
