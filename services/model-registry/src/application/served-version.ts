// A version about to be handed to a client that will load its files: the files are checked first.
import type { ModelSnapshot } from '../domain/model.history';
import type { ExistingModel, VersionState } from '../domain/model.state';
import type { ArtifactStore } from './ports/artifact-store.port';

export interface ServedVersion {
  readonly snapshot: ModelSnapshot;
  readonly model: ExistingModel;
  readonly version: VersionState;
}

/** Verifies size and hash of each artifact (MODELS.ARTIFACT_CORRUPTED), so a tampered file is never served. */
export async function verifiedVersion(
  store: ArtifactStore,
  served: ServedVersion,
  fullVerification: boolean,
): Promise<ServedVersion> {
  for (const artifact of served.version.artifacts) await store.verify(artifact, { full: fullVerification });
  return served;
}
