// Structure of the recurrent (decode) graph: the per-step costs that depend on how the graph is written, not on ORT.
import { onnx } from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { buildRetNetGraph, prepareRetNet, stateOutName } from './graph';
import { tinyConfig } from './test-support';
import { initRetNetWeights } from './weights';

const config = tinyConfig();
const prepared = prepareRetNet(config, initRetNetWeights(config, 3));
const recurrent = onnx.ModelProto.decode(buildRetNetGraph(prepared, 'recurrent')).graph as onnx.IGraphProto;
const nodes = recurrent.node ?? [];

describe('recurrent graph', () => {
  it('writes each state output from the state update itself, with no copy node in between', () => {
    // The readout also consumes the new state, so ORT cannot drop a renaming Identity: it would copy the
    // whole [batch, H, d_k, d_v + 1] state once more per layer and step.
    for (let i = 0; i < config.num_layers; i++) {
      const producer = nodes.find((n) => n.output?.includes(stateOutName(i)));
      expect(producer?.opType, stateOutName(i)).toBe('Add');
    }
  });
});
