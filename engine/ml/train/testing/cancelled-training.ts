// Test support: runs the trainer, optionally cancelling it once a given step has been reported, and returns the step
// reports with either the result or the error, so resume tests compare an interrupted run with a straight one.

import { trainModel, type StepReport, type TrainingResult } from '../trainer.ts';
import type { TrainingJob } from '../training-settings.ts';

export interface RecordedTraining {
  reports: StepReport[];
  result?: TrainingResult;
  error?: Error;
}

export async function trainRecording(job: TrainingJob, stopAfterStep?: number): Promise<RecordedTraining> {
  const reports: StepReport[] = [];
  const controller = new AbortController();
  const onStep = (report: StepReport) => {
    reports.push(report);
    if (report.step === stopAfterStep) controller.abort();
  };
  try {
    return { reports, result: await trainModel(job, { signal: controller.signal, onStep }) };
  } catch (error) {
    return { reports, error: error as Error };
  }
}
