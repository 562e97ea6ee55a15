import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { loadSync } from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import { GRPC_CONTEXTS, GRPC_SERVICES, grpcPackageOptions, loadGrpcPackageDefinition } from './grpc-options';
import { findProtoRoot, PROTO_ROOT, PROTO_ROOT_ENV } from './proto-root';

/** Every .proto file under protos/, relative to PROTO_ROOT. */
function allProtoFiles(dir = PROTO_ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return allProtoFiles(path);
    return entry.name.endsWith('.proto') ? [relative(PROTO_ROOT, path)] : [];
  });
}

describe('PROTO_ROOT', () => {
  it('is the absolute protos/ folder of the repository', () => {
    expect(isAbsolute(PROTO_ROOT)).toBe(true);
    expect(PROTO_ROOT.endsWith('/protos')).toBe(true);
    expect(allProtoFiles()).toContain('neuroforge/models/v1/models.proto');
  });

  it('is found the same way from a built dist/ folder', () => {
    expect(findProtoRoot(join(__dirname, '..', 'dist'), {})).toBe(PROTO_ROOT);
  });

  it('honours the environment override and rejects a folder without neuroforge/', () => {
    expect(findProtoRoot('/', { [PROTO_ROOT_ENV]: PROTO_ROOT })).toBe(PROTO_ROOT);
    const empty = mkdtempSync(join(tmpdir(), 'nf-protos-'));
    try {
      expect(() => findProtoRoot('/', { [PROTO_ROOT_ENV]: empty })).toThrow(/has no neuroforge\/ folder/);
      expect(() => findProtoRoot(empty, {})).toThrow(new RegExp(PROTO_ROOT_ENV));
    } finally {
      rmSync(empty, { recursive: true });
    }
  });
});

describe('grpcPackageOptions', () => {
  it.each(GRPC_CONTEXTS)('%s: its protoPath loads with its loader options and defines the service', (context) => {
    const options = grpcPackageOptions(context);
    expect(options.package).toBe(`neuroforge.${context}.v1`);
    expect(options.loader.includeDirs).toEqual([PROTO_ROOT]);
    for (const path of options.protoPath) expect(isAbsolute(path)).toBe(true);

    const definition = loadSync(options.protoPath, options.loader);
    const service = definition[`${options.package}.${GRPC_SERVICES[context].service}`];
    expect(service, 'service missing from the package definition').toBeDefined();
    expect(Object.keys(service as object).length).toBeGreaterThan(0);
  });

  it('returns a fresh loader object each call, so a caller changing it cannot affect other services', () => {
    const first = grpcPackageOptions('auth');
    first.loader.includeDirs?.push('/elsewhere');
    expect(grpcPackageOptions('auth').loader.includeDirs).toEqual([PROTO_ROOT]);
  });

  it('loads every context together without duplicate-definition conflicts', () => {
    const definition = loadGrpcPackageDefinition(...GRPC_CONTEXTS);
    for (const context of GRPC_CONTEXTS) {
      const { package: pkg, service } = GRPC_SERVICES[context];
      expect(definition[`${pkg}.${service}`]).toBeDefined();
    }
  });
});

describe('protos/', () => {
  it('every .proto file (events and common included) loads with @grpc/proto-loader', () => {
    const files = allProtoFiles();
    expect(files.length).toBeGreaterThanOrEqual(11);
    const definition = loadSync(files, { ...grpcPackageOptions('auth').loader });
    expect(definition['neuroforge.common.v1.ErrorDetail']).toBeDefined();
    expect(definition['neuroforge.training.v1.JobCompleted']).toBeDefined();
  });
});
