// Snapshots → proto messages (field whitelist: only what the contract has).
import type { training } from '@neuroforge/contracts';
import type { DatasetRecord } from '../../application/dataset.repository';
import type { JobSnapshot } from '../../application/job-snapshot';
import { type EvaluationRecord, JOB_STATE_OF, type ProgressRecord } from '../../domain/job.types';

export function timestamp(iso: string): { seconds: string; nanos: number } | null {
  if (iso === '') return null;
  const ms = Date.parse(iso);
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

/** A progress report with the job's latest held-out evaluation (eval_loss unset before the first). */
export function progressMessage(
  progress: ProgressRecord,
  evaluation: EvaluationRecord | null = null,
): training.TrainingProgress {
  return {
    ...progress,
    state: progress.state as training.JobState,
    reportedAt: timestamp(progress.reportedAt) as never,
    evalLoss: evaluation ? evaluation.evalLoss : null,
    evalStep: evaluation?.step ?? 0,
  };
}

export function jobMessage(snapshot: JobSnapshot): training.TrainingJob {
  const { state } = snapshot;
  const job = state.job;
  const stateName = JOB_STATE_OF[state.status];
  return {
    jobId: snapshot.jobId,
    name: job?.name ?? '',
    state: stateName as training.JobState,
    datasetId: job?.datasetId ?? '',
    baseModel: job?.baseModel ?? '',
    training: (job?.training ?? null) as training.TrainingConfig | null,
    model: (job?.model ?? null) as training.ModelConfig | null,
    registerAs: job?.registerAs ?? '',
    registerAlias: job?.registerAlias ?? '',
    progress: state.progress ? progressMessage({ ...state.progress, state: stateName }, state.evaluation) : null,
    workerId: state.workerId,
    errorMessage: state.errorMessage,
    registeredVersion: state.registeredVersion,
    createdAt: timestamp(snapshot.createdAt) as never,
    startedAt: timestamp(snapshot.startedAt) as never,
    finishedAt: timestamp(snapshot.finishedAt) as never,
  };
}

export function datasetMessage(record: DatasetRecord): training.Dataset {
  const d = record.dataset;
  return {
    datasetId: d.datasetId,
    name: d.name,
    format: d.format as training.DatasetFormat,
    sha256: d.sha256,
    sizeBytes: d.sizeBytes,
    uri: d.uri,
    createdAt: timestamp(record.createdAt) as never,
  };
}
