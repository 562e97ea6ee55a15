// The registry's stable error codes (`MODELS.<REASON>`, never reworded). The gRPC status each maps to is decided
// in one place: interface/grpc/grpc-errors.ts.
import { DomainError, type FieldViolation, InvalidFieldsError } from '@neuroforge/events';

export const ModelErrorCode = {
  INVALID_ARGUMENT: 'MODELS.INVALID_ARGUMENT',
  NOT_FOUND: 'MODELS.NOT_FOUND',
  ALREADY_EXISTS: 'MODELS.ALREADY_EXISTS',
  DELETED: 'MODELS.DELETED',
  VERSION_NOT_FOUND: 'MODELS.VERSION_NOT_FOUND',
  ALIAS_NOT_FOUND: 'MODELS.ALIAS_NOT_FOUND',
  ALIAS_TAKEN: 'MODELS.ALIAS_TAKEN',
  ARTIFACT_NOT_FOUND: 'MODELS.ARTIFACT_NOT_FOUND',
  ARTIFACT_HASH_MISMATCH: 'MODELS.ARTIFACT_HASH_MISMATCH',
  ARTIFACT_CORRUPTED: 'MODELS.ARTIFACT_CORRUPTED',
  CONCURRENT_CHANGE: 'MODELS.CONCURRENT_CHANGE',
} as const;
export type ModelErrorCode = (typeof ModelErrorCode)[keyof typeof ModelErrorCode];

/** INVALID_ARGUMENT naming every bad field. */
export class InvalidArgumentError extends InvalidFieldsError {
  constructor(violations: FieldViolation[]) {
    super(ModelErrorCode.INVALID_ARGUMENT, violations);
  }
}

export const modelErrors = {
  notFound: (name: string) =>
    new DomainError(ModelErrorCode.NOT_FOUND, `model ${name} does not exist; create it with CreateModel first`, {
      model: name,
    }),
  alreadyExists: (name: string, deleted: boolean) =>
    new DomainError(
      ModelErrorCode.ALREADY_EXISTS,
      deleted
        ? `model ${name} existed and was deleted; names are never reused — pick another name`
        : `model ${name} already exists`,
      { model: name },
    ),
  deleted: (name: string) =>
    new DomainError(ModelErrorCode.DELETED, `model ${name} was deleted; its history is kept but it cannot change`, {
      model: name,
    }),
  versionNotFound: (name: string, version: number, latest: number) =>
    new DomainError(
      ModelErrorCode.VERSION_NOT_FOUND,
      latest === 0
        ? `model ${name} has no versions yet; register one with RegisterVersion`
        : `model ${name} has no version ${version}; versions are 1..${latest}`,
      { model: name, version: String(version) },
    ),
  aliasNotFound: (alias: string, name?: string) =>
    new DomainError(
      ModelErrorCode.ALIAS_NOT_FOUND,
      name ? `model ${name} has no alias ${alias}` : `no model has the alias ${alias}`,
      name ? { model: name, alias } : { alias },
    ),
  aliasTaken: (alias: string, holder: string) =>
    new DomainError(
      ModelErrorCode.ALIAS_TAKEN,
      `alias ${alias} already points at model ${holder}; aliases are unique across models — pick another alias`,
      { alias, model: holder },
    ),
};
