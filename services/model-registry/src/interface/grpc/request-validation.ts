// Edge validation of gRPC requests: each function turns a request into a use-case input or throws
// InvalidArgumentError naming every bad field (proto field names, e.g. `artifacts[0].sha256`).
import type { models } from '@neuroforge/contracts';
import type { FieldViolation } from '@neuroforge/events';
import type { CreateModelCommand } from '../../application/create-model/create-model.command';
import type { ListModelsQuery } from '../../application/list-models/list-models.query';
import type { ArtifactInput } from '../../application/ports/artifact-store.port';
import type { RegisterVersionCommand } from '../../application/register-version/register-version.command';
import type { UpdateModelCommand } from '../../application/update-model/update-model.command';
import { InvalidArgumentError } from '../../domain/model.errors';
import {
  ALIAS_PATTERN,
  ARCHITECTURES,
  ARTIFACT_KINDS,
  ARTIFACT_NAME_PATTERN,
  type Architecture,
  type ArtifactKind,
  LINEAGE_SOURCES,
  type LineageRecord,
  type LineageSource,
  MODEL_NAME_PATTERN,
  SHA256_PATTERN,
  TAG_PATTERN,
} from '../../domain/model.types';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
const MAX_DESCRIPTION = 4096;
const MAX_TAGS = 32;
const MAX_ARTIFACTS = 64;

class Violations {
  readonly list: FieldViolation[] = [];
  add(field: string, description: string): void {
    this.list.push({ field, description });
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw new InvalidArgumentError(this.list);
  }
}

function checkName(v: Violations, field: string, name: string): void {
  if (!MODEL_NAME_PATTERN.test(name)) {
    v.add(field, name === '' ? 'is required' : 'must be lower-case letters, digits, ".", "_" or "-" (at most 100)');
  }
}

function checkAlias(v: Violations, field: string, alias: string): void {
  if (!ALIAS_PATTERN.test(alias)) {
    v.add(field, alias === '' ? 'is required' : 'must start with a letter; lower-case letters, digits, "_", "-"');
  }
}

function checkTags(v: Violations, field: string, tags: string[]): void {
  if (tags.length > MAX_TAGS) v.add(field, `at most ${MAX_TAGS} tags`);
  tags.forEach((tag, i) => {
    if (!TAG_PATTERN.test(tag)) v.add(`${field}[${i}]`, 'must be lower-case letters, digits, ".", "_", ":" or "-"');
  });
}

function checkDescription(v: Violations, description: string): void {
  if (description.length > MAX_DESCRIPTION) v.add('description', `at most ${MAX_DESCRIPTION} characters`);
}

function isOneOf<T extends string>(values: readonly T[], value: string): value is T {
  return (values as readonly string[]).includes(value);
}

function checkVersion(v: Violations, field: string, version: number): void {
  if (!Number.isInteger(version) || version < 1) v.add(field, 'must be a version number ≥ 1');
}

export function createModelCommand(request: models.CreateModelRequest, createdByUserId: string): CreateModelCommand {
  const v = new Violations();
  checkName(v, 'name', request.name);
  const architecture = String(request.architecture);
  if (!isOneOf(ARCHITECTURES, architecture)) v.add('architecture', `must be one of ${ARCHITECTURES.join(', ')}`);
  checkDescription(v, request.description);
  checkTags(v, 'tags', request.tags);
  v.throwIfAny();
  return {
    name: request.name,
    architecture: architecture as Architecture,
    description: request.description,
    tags: request.tags,
    createdByUserId,
  };
}

export function updateModelCommand(request: models.UpdateModelRequest): UpdateModelCommand {
  const v = new Violations();
  checkName(v, 'name', request.name);
  const description =
    'description' in request && typeof request.description === 'string' ? request.description : undefined;
  if (description !== undefined) checkDescription(v, description);
  const tags = request.tags ? request.tags.tags : undefined;
  if (tags) checkTags(v, 'tags.tags', tags);
  v.throwIfAny();
  return { name: request.name, description, tags };
}

export function modelName(request: { name: string }): string {
  const v = new Violations();
  checkName(v, 'name', request.name);
  v.throwIfAny();
  return request.name;
}

export function registerVersionCommand(request: models.RegisterVersionRequest): RegisterVersionCommand {
  const v = new Violations();
  checkName(v, 'model_name', request.modelName);
  if (request.artifacts.length === 0) v.add('artifacts', 'a version needs at least one artifact');
  if (request.artifacts.length > MAX_ARTIFACTS) v.add('artifacts', `at most ${MAX_ARTIFACTS} artifacts`);
  const artifacts: ArtifactInput[] = request.artifacts.map((a, i) => {
    const field = `artifacts[${i}]`;
    if (!ARTIFACT_NAME_PATTERN.test(a.name))
      v.add(`${field}.name`, 'must be a plain file name (letters, digits, ".", "_", "-")');
    if (!SHA256_PATTERN.test(a.sha256)) v.add(`${field}.sha256`, 'must be 64 lower-case hex digits');
    if (!/^\d{1,20}$/.test(a.sizeBytes)) v.add(`${field}.size_bytes`, 'must be a byte count');
    const kind = String(a.kind);
    if (!isOneOf(ARTIFACT_KINDS, kind)) v.add(`${field}.kind`, `must be one of ${ARTIFACT_KINDS.join(', ')}`);
    if (a.uri !== '' && !a.uri.startsWith('file://')) {
      v.add(`${field}.uri`, 'must be empty (already stored) or a file:// URI the registry can read');
    }
    return { name: a.name, sha256: a.sha256, sizeBytes: a.sizeBytes, kind: kind as ArtifactKind, uri: a.uri };
  });
  if (request.tokenizerId === '') v.add('tokenizer_id', 'is required, e.g. "byte" or "gpt2"');
  if (request.configJson !== '' && !isJsonObject(request.configJson)) v.add('config_json', 'must be a JSON object');
  const lineage = lineageOf(v, request.lineage);
  for (const [i, alias] of request.aliases.entries()) checkAlias(v, `aliases[${i}]`, alias);
  v.throwIfAny();
  return {
    modelName: request.modelName,
    artifacts,
    tokenizerId: request.tokenizerId,
    configJson: request.configJson === '' ? '{}' : request.configJson,
    lineage,
    aliases: request.aliases,
  };
}

function lineageOf(v: Violations, lineage: models.Lineage | null | undefined): LineageRecord {
  if (!lineage) {
    v.add('lineage', `is required (source one of ${LINEAGE_SOURCES.join(', ')})`);
    return { source: 'LINEAGE_SOURCE_UPLOAD', trainingJobId: '', datasetSha256: '', baseModel: '' };
  }
  const source = String(lineage.source);
  if (!isOneOf(LINEAGE_SOURCES, source)) v.add('lineage.source', `must be one of ${LINEAGE_SOURCES.join(', ')}`);
  if (source === 'LINEAGE_SOURCE_TRAINING_JOB' && lineage.trainingJobId === '') {
    v.add('lineage.training_job_id', 'is required when the source is a training job');
  }
  if (lineage.datasetSha256 !== '' && !SHA256_PATTERN.test(lineage.datasetSha256)) {
    v.add('lineage.dataset_sha256', 'must be 64 lower-case hex digits');
  }
  const finalLoss = 'finalLoss' in lineage && typeof lineage.finalLoss === 'number' ? lineage.finalLoss : undefined;
  if (finalLoss !== undefined && !Number.isFinite(finalLoss)) v.add('lineage.final_loss', 'must be a finite number');
  if (lineage.baseModel !== '' && !/^[a-z0-9][a-z0-9._-]{0,99}:[1-9]\d*$/.test(lineage.baseModel)) {
    v.add('lineage.base_model', 'must be "name:version"');
  }
  return {
    source: source as LineageSource,
    trainingJobId: lineage.trainingJobId,
    datasetSha256: lineage.datasetSha256,
    ...(finalLoss === undefined ? {} : { finalLoss }),
    baseModel: lineage.baseModel,
  };
}

export function versionRef(request: { modelName: string; version: number }): { modelName: string; version: number } {
  const v = new Violations();
  checkName(v, 'model_name', request.modelName);
  checkVersion(v, 'version', request.version);
  v.throwIfAny();
  return { modelName: request.modelName, version: request.version };
}

export function setAliasCommand(request: models.SetAliasRequest): {
  modelName: string;
  alias: string;
  version: number;
} {
  const v = new Violations();
  checkName(v, 'model_name', request.modelName);
  checkAlias(v, 'alias', request.alias);
  checkVersion(v, 'version', request.version);
  v.throwIfAny();
  return { modelName: request.modelName, alias: request.alias, version: request.version };
}

/** An empty model_name resolves the alias across models (aliases are unique across models). */
export function resolveAliasQuery(request: models.ResolveAliasRequest): { modelName: string; alias: string } {
  const v = new Violations();
  if (request.modelName !== '') checkName(v, 'model_name', request.modelName);
  checkAlias(v, 'alias', request.alias);
  v.throwIfAny();
  return { modelName: request.modelName, alias: request.alias };
}

export function listModelsQuery(request: models.ListModelsRequest): ListModelsQuery {
  const v = new Violations();
  const pageSize = request.pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(request.pageSize, MAX_PAGE_SIZE);
  const afterName = request.pageToken === '' ? '' : decodePageToken(request.pageToken);
  if (afterName === undefined) v.add('page_token', 'is not a token from a previous ListModels response');
  const architecture = String(request.architecture);
  let filter: Architecture | undefined;
  if (architecture !== 'ARCHITECTURE_UNSPECIFIED') {
    if (isOneOf(ARCHITECTURES, architecture)) filter = architecture;
    else v.add('architecture', `must be one of ${ARCHITECTURES.join(', ')}`);
  }
  if (request.tag !== '' && !TAG_PATTERN.test(request.tag)) v.add('tag', 'is not a valid tag');
  v.throwIfAny();
  return {
    pageSize,
    afterName: afterName ?? '',
    architecture: filter,
    tag: request.tag || undefined,
    includeDeleted: request.includeDeleted,
  };
}

/** Page tokens are opaque to clients: base64url of the last name listed. */
export function encodePageToken(afterName: string): string {
  return Buffer.from(JSON.stringify({ after: afterName }), 'utf8').toString('base64url');
}

function decodePageToken(token: string): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    return typeof parsed.after === 'string' && MODEL_NAME_PATTERN.test(parsed.after) ? parsed.after : undefined;
  } catch {
    return undefined;
  }
}

function isJsonObject(text: string): boolean {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
