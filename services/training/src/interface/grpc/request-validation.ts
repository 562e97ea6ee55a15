// Edge validation of gRPC requests: shapes and names here; settings ranges, dataset and base model existence in
// StartJobHandler (they need config and lookups). Every violation names the proto field.
import type { training } from '@neuroforge/contracts';
import type { RegisterDatasetCommand } from '../../application/register-dataset/register-dataset.command';
import type { StartJobCommand } from '../../application/start-job/start-job.command';
import type { DatasetFormatName } from '../../domain/dataset.decider';
import type { JobStatus } from '../../domain/job.types';
import { Violations } from '../../domain/training.errors';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
const NAME_MAX = 200;
const MODEL_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,99}$/;
const ALIAS_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/;
const SHA256_PATTERN = /^[0-9a-f]{64}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const STATUS_OF_STATE: Readonly<Record<string, JobStatus | undefined>> = {
  JOB_STATE_QUEUED: 'queued',
  JOB_STATE_RUNNING: 'running',
  JOB_STATE_COMPLETED: 'completed',
  JOB_STATE_FAILED: 'failed',
  JOB_STATE_STOPPED: 'stopped',
};

/** proto3 presence: set and not null. */
function present<T>(value: T | null | undefined): value is T {
  return value !== undefined && value !== null;
}

export function jobId(request: { jobId: string }): string {
  const v = new Violations();
  if (!UUID_PATTERN.test(request.jobId))
    v.add('job_id', request.jobId === '' ? 'is required' : 'must be a job id (UUID)');
  v.throwIfAny();
  return request.jobId;
}

export function datasetId(request: { datasetId: string }): string {
  const v = new Violations();
  if (request.datasetId === '') v.add('dataset_id', 'is required');
  v.throwIfAny();
  return request.datasetId;
}

export function startJobCommand(request: training.StartJobRequest, userId: string): StartJobCommand {
  const v = new Violations();
  if (request.name.length > NAME_MAX) v.add('name', `at most ${NAME_MAX} characters`);
  const baseModel = present(request.baseModel) ? request.baseModel : '';
  if (present(request.baseModel) && request.baseModel.trim() === '') v.add('base_model', 'must not be empty when set');
  const registerAs = present(request.registerAs) ? request.registerAs : '';
  const registerAlias = present(request.registerAlias) ? request.registerAlias : '';
  if (present(request.registerAs) && !MODEL_NAME_PATTERN.test(registerAs)) {
    v.add(
      'register_as',
      'must be lower-case letters, digits, ".", "_" or "-" (at most 100), starting with a letter or digit',
    );
  }
  if (registerAlias !== '' && !ALIAS_PATTERN.test(registerAlias)) {
    v.add('register_alias', 'must start with a letter; lower-case letters, digits, "_", "-"');
  }
  if (registerAlias !== '' && registerAs === '') v.add('register_alias', 'needs register_as (the model to register)');
  v.throwIfAny();
  return {
    name: request.name,
    datasetId: request.datasetId,
    baseModel,
    training: (request.training ?? null) as Record<string, unknown> | null,
    model: (request.model ?? null) as Record<string, unknown> | null,
    registerAs,
    registerAlias,
    requestedByUserId: userId,
  };
}

export function listJobsQuery(request: training.ListJobsRequest): {
  status?: JobStatus;
  offset: number;
  limit: number;
} {
  const v = new Violations();
  let offset = 0;
  if (request.pageToken !== '') {
    const decoded = Number(Buffer.from(request.pageToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(decoded) || decoded < 0) v.add('page_token', 'is not a token from a previous ListJobs');
    else offset = decoded;
  }
  const state = String(request.state);
  const status = STATUS_OF_STATE[state];
  if (state !== 'JOB_STATE_UNSPECIFIED' && !status) v.add('state', `unknown state ${state}`);
  v.throwIfAny();
  const limit = request.pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(request.pageSize, MAX_PAGE_SIZE);
  return { ...(status ? { status } : {}), offset, limit };
}

export function encodePageToken(offset: number): string {
  return Buffer.from(String(offset), 'utf8').toString('base64url');
}

export function registerDatasetCommand(request: training.RegisterDatasetRequest): RegisterDatasetCommand {
  const v = new Violations();
  if (request.name.trim() === '') v.add('name', 'is required');
  if (request.name.length > NAME_MAX) v.add('name', `at most ${NAME_MAX} characters`);
  const format = String(request.format);
  if (format !== 'DATASET_FORMAT_TEXT' && format !== 'DATASET_FORMAT_JSONL') {
    v.add('format', 'must be DATASET_FORMAT_TEXT or DATASET_FORMAT_JSONL');
  }
  if (request.sha256 !== '' && !SHA256_PATTERN.test(request.sha256))
    v.add('sha256', 'must be 64 lower-case hex digits');
  const hasUri = present(request.uri);
  const hasContent = present(request.content);
  if (!hasUri && !hasContent) v.add('content', 'give the data as content, or a file:// uri');
  if (hasUri && request.uri === '') v.add('uri', 'must not be empty when set');
  v.throwIfAny();
  return {
    name: request.name,
    format: format as DatasetFormatName,
    sha256: request.sha256,
    source: hasUri ? { uri: request.uri as string } : { content: Buffer.from(request.content as Uint8Array) },
  };
}
