import { Injectable } from '@nestjs/common';
import { OnJobEvent, type JobCompletedEvent, type JobFailedEvent } from '../../src/index.js';

/**
 * Hears this process's job events through @OnJobEvent (any provider can): the demo checks that every job that ended
 * finished or failed was reported once, after its state was written. Failed jobs are also logged by Jobline through
 * Nest's Logger (the ERROR lines above the table).
 */
@Injectable()
export class EventTally {
  readonly completed = new Map<string, number>();
  readonly failed = new Map<string, number>();

  @OnJobEvent('completed')
  onCompleted(e: JobCompletedEvent): void {
    this.completed.set(e.id, (this.completed.get(e.id) ?? 0) + 1);
  }

  @OnJobEvent('failed')
  onFailed(e: JobFailedEvent): void {
    this.failed.set(e.id, (this.failed.get(e.id) ?? 0) + 1);
  }
}
