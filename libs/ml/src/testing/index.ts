// `@neuroforge/ml/testing`: fixtures other projects' tests and benchmarks share, so every service writes its tiny
// seeded model folders the way the engine's own specs do. Test support only; not part of the runtime API.
export { type TinyMultimodalOptions, tinyMultimodalConfig, writeTinyMultimodalModel } from '../multimodal/test-support';
export { tinyConfig as tinyRetNetConfig, writeTinyRetNetModel } from '../retnet/test-support';
