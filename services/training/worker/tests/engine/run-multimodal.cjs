// Runs the engine's MultimodalModel (@neuroforge/ml, ONNX on onnxruntime-node) on a model folder written by the
// worker and prints encoder outputs and logits as JSON, for the cross-language parity test (test_multimodal_parity.py).
// stdin: {"modelDir", "pixels": [1·3·S·S] | null, "waveform": [clip] | null, "prompt": [ids], "next": [ids],
//         "cases": [["vision", "audio"], [], ...]}
const { MultimodalModel } = require('@neuroforge/ml');
const { runStdinJson } = require('./stdin-json-main.cjs');

runStdinJson(
  (req) => MultimodalModel.load(req.modelDir, { device: 'cpu', intraOpThreads: 1, log: () => {} }),
  async (model, req) => {
    const out = { cases: [] };
    const encoded = {};
    if (req.pixels) encoded.vision = await model.encodeBatch('vision', Float32Array.from(req.pixels), 1);
    if (req.waveform) {
      encoded.audio = await model.encodeBatch('audio', Float32Array.from(req.waveform), 1);
      out.log_mel = Array.from(await model.logMel(Float32Array.from(req.waveform), 1));
    }
    out.vision_tokens = encoded.vision ? Array.from(encoded.vision) : null;
    out.audio_tokens = encoded.audio ? Array.from(encoded.audio) : null;
    for (const subset of req.cases) {
      const media = Object.fromEntries(subset.map((m) => [m, encoded[m]]));
      const prefix = await model.mediaPrefix(media);
      const first = await model.prefill(req.prompt, prefix);
      const logits = [Array.from(first.logits)];
      let state = first.state;
      let position = first.position;
      for (const t of req.next) {
        const step = await model.decodeStep([t], [position], state);
        logits.push(Array.from(step.logits));
        state = step.state;
        position += 1;
      }
      out.cases.push({ subset, position: prefix.position, logits });
    }
    return out;
  },
);
