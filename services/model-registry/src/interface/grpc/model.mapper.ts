// Domain → gRPC response shapes (the runtime shapes of docs/api/grpc.md). Responses list their fields explicitly.
import type { models } from '@neuroforge/contracts';
import type { ModelListing } from '../../application/ports/model-catalog.port';
import type { ServedVersion } from '../../application/served-version';
import type { ModelSnapshot } from '../../domain/model.history';
import { aliasesOf, type ExistingModel, type VersionState } from '../../domain/model.state';
import type { ArtifactRecord, LineageRecord } from '../../domain/model.types';

/** The generated enums are TypeScript string enums whose values are these same names. */
function asEnum<E>(value: string): E {
  return value as unknown as E;
}

export function timestamp(iso: string): { seconds: string; nanos: number } {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return { seconds: '0', nanos: 0 };
  return { seconds: String(Math.floor(ms / 1000)), nanos: (((ms % 1000) + 1000) % 1000) * 1_000_000 };
}

export function modelFromSnapshot(snapshot: ModelSnapshot, model: ExistingModel): models.Model {
  return {
    modelId: model.modelId,
    name: model.name,
    architecture: asEnum(model.architecture),
    description: model.description,
    tags: [...model.tags],
    aliases: Object.entries(model.aliases)
      .map(([alias, version]) => ({ alias, version }))
      .sort((a, b) => (a.alias < b.alias ? -1 : 1)),
    latestVersion: model.versions.length,
    deleted: model.status === 'deleted',
    createdByUserId: model.createdByUserId,
    createdAt: timestamp(snapshot.createdAt),
    updatedAt: timestamp(snapshot.updatedAt),
  };
}

export function modelFromListing(listing: ModelListing): models.Model {
  return {
    modelId: listing.modelId,
    name: listing.name,
    architecture: asEnum(listing.architecture),
    description: listing.description,
    tags: [...listing.tags],
    aliases: listing.aliases.map((a) => ({ alias: a.alias, version: a.version })),
    latestVersion: listing.latestVersion,
    deleted: listing.deleted,
    createdByUserId: listing.createdByUserId,
    createdAt: timestamp(listing.createdAt),
    updatedAt: timestamp(listing.updatedAt),
  };
}

export function artifact(record: ArtifactRecord): models.Artifact {
  return {
    name: record.name,
    sha256: record.sha256,
    sizeBytes: record.sizeBytes,
    kind: asEnum(record.kind),
    uri: record.uri,
  };
}

export function lineage(record: LineageRecord): models.Lineage {
  return {
    source: asEnum(record.source),
    trainingJobId: record.trainingJobId,
    datasetSha256: record.datasetSha256,
    ...(record.finalLoss === undefined ? {} : { finalLoss: record.finalLoss }),
    baseModel: record.baseModel,
  };
}

export function modelVersion(
  snapshot: ModelSnapshot,
  model: ExistingModel,
  version: VersionState,
): models.ModelVersion {
  return {
    modelName: model.name,
    version: version.version,
    architecture: asEnum(model.architecture),
    artifacts: version.artifacts.map(artifact),
    tokenizerId: version.tokenizerId,
    configJson: version.configJson,
    lineage: lineage(version.lineage),
    aliases: aliasesOf(model, version.version),
    createdAt: timestamp(snapshot.versionCreatedAt.get(version.version) ?? ''),
  };
}

export function servedVersion(served: ServedVersion): models.ModelVersion {
  return modelVersion(served.snapshot, served.model, served.version);
}
