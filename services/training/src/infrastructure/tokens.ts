// Injection tokens of infrastructure values.
export const TRAINING_TOPIC = Symbol('TRAINING_TOPIC');
