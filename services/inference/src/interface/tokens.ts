// DI tokens of the application objects the interface layer uses (ports have theirs next to the port).
export const MODEL_SERVING = Symbol('MODEL_SERVING');
export const GENERATE_HANDLER = Symbol('GENERATE_HANDLER');
