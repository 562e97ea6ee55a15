import type { LineageRecord } from '../../domain/model.types';
import type { ArtifactInput } from '../ports/artifact-store.port';

export interface RegisterVersionCommand {
  readonly modelName: string;
  readonly artifacts: ArtifactInput[];
  readonly tokenizerId: string;
  readonly configJson: string;
  readonly lineage: LineageRecord;
  /** Aliases to point at the new version. */
  readonly aliases: string[];
  /** Only register when the model has no version yet (idempotent seeding). */
  readonly onlyIfFirst?: boolean;
}
