import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Struct } from './generated/google/protobuf/struct';

/** The slice of protobufjs's module surface this file touches. */
interface ProtobufjsWrappers {
  wrappers: Record<string, { fromObject: (object: never) => unknown; toObject: (message: never) => unknown }>;
}

const STRUCT = '.google.protobuf.Struct';

/**
 * Makes @grpc/proto-loader deliver `google.protobuf.Struct` fields as plain JSON objects, as the generated types
 * say (`{ [key: string]: any }`).
 *
 * Why: the generated code registers this wrapper on the protobufjs it imports, but @grpc/proto-loader bundles its
 * own protobufjs (a different major version, so a different module instance), and that is the one NestJS and
 * grpc-js use to (de)serialise. Without this, Struct fields arrive as `{ fields: { k: { stringValue } } }`.
 * protobufjs reads wrappers when a type is first used, so this must run before the first call; importing
 * grpc-options.ts (and so `@neuroforge/contracts`) runs it.
 */
export function installStructWrapper(): void {
  const loaderDir = dirname(createRequire(__filename).resolve('@grpc/proto-loader'));
  const loaderRequire = createRequire(`${loaderDir}/`);
  const protobufjs = loaderRequire('protobufjs') as ProtobufjsWrappers;
  protobufjs.wrappers[STRUCT] = {
    fromObject: Struct.wrap,
    toObject: Struct.unwrap,
  } as ProtobufjsWrappers['wrappers'][string];
}
