import { join } from 'node:path';
import { loadSync, type PackageDefinition, type Options as ProtoLoaderOptions } from '@grpc/proto-loader';
import { PROTO_ROOT } from './proto-root';
import { installStructWrapper } from './struct-wrapper';

// Runs on import, before any call can decode a message, so google.protobuf.Struct arrives as a plain object.
installStructWrapper();

/** The bounded contexts that expose a gRPC service. */
export const GRPC_CONTEXTS = ['auth', 'models', 'inference', 'training', 'embeddings'] as const;
export type GrpcContext = (typeof GRPC_CONTEXTS)[number];

/** Where each context's service lives: proto package, file (relative to PROTO_ROOT) and service name. */
export const GRPC_SERVICES: Readonly<Record<GrpcContext, { package: string; file: string; service: string }>> = {
  auth: { package: 'neuroforge.auth.v1', file: 'neuroforge/auth/v1/auth.proto', service: 'AuthService' },
  models: {
    package: 'neuroforge.models.v1',
    file: 'neuroforge/models/v1/models.proto',
    service: 'ModelRegistryService',
  },
  inference: {
    package: 'neuroforge.inference.v1',
    file: 'neuroforge/inference/v1/inference.proto',
    service: 'InferenceService',
  },
  training: {
    package: 'neuroforge.training.v1',
    file: 'neuroforge/training/v1/training.proto',
    service: 'TrainingService',
  },
  embeddings: {
    package: 'neuroforge.embeddings.v1',
    file: 'neuroforge/embeddings/v1/embeddings.proto',
    service: 'EmbeddingsService',
  },
};

/**
 * @grpc/proto-loader options every NeuroForge server and client must use: the generated types in ./generated
 * describe exactly the objects these options produce (docs/api/grpc.md, "Runtime shapes", explains each pair).
 * - keepCase false: camelCase keys (ts-proto's default snakeToCamel).
 * - longs String: 64-bit integers as decimal strings (ts-proto forceLong=string), so no precision is lost.
 * - enums String: enum values by name, e.g. 'FINISH_REASON_LENGTH' (ts-proto stringEnums=true).
 * - bytes left at Buffer (ts-proto env=node types bytes as Buffer).
 * - defaults true: scalars always present (0, '', false, first enum value), repeated fields [], maps {},
 *   unset message fields null (ts-proto useNullAsOptional=true + useOptionals=messages: `field?: T | null`).
 * - oneofs false: no virtual discriminator property; a oneof member is present only when set, which is what
 *   ts-proto's flat oneof types (`text?: string | null`) describe. The same holds for proto3 `optional` fields.
 */
export const GRPC_LOADER_OPTIONS: Readonly<ProtoLoaderOptions> = Object.freeze({
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: false,
  includeDirs: [PROTO_ROOT],
});

/** What `@nestjs/microservices` Transport.GRPC needs in `options` (plus `url`, which the service supplies). */
export interface GrpcPackageOptions {
  /** Proto package name, e.g. 'neuroforge.models.v1'. */
  package: string;
  /** Absolute paths of the service's .proto files. */
  protoPath: string[];
  /** @grpc/proto-loader options, including includeDirs. */
  loader: ProtoLoaderOptions;
}

/**
 * Transport.GRPC options for one context, e.g. in a NestJS service:
 * `{ transport: Transport.GRPC, options: { ...grpcPackageOptions('models'), url: '127.0.0.1:50052' } }`.
 */
export function grpcPackageOptions(context: GrpcContext): GrpcPackageOptions {
  const service = GRPC_SERVICES[context];
  return {
    package: service.package,
    protoPath: [join(PROTO_ROOT, service.file)],
    loader: { ...GRPC_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] },
  };
}

/** Loads the package definition of one or more contexts with the shared options (for plain grpc-js code). */
export function loadGrpcPackageDefinition(...contexts: GrpcContext[]): PackageDefinition {
  const files = contexts.map((context) => join(PROTO_ROOT, GRPC_SERVICES[context].file));
  return loadSync(files, { ...GRPC_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });
}
