import { Injectable } from '@nestjs/common';
import { JOB_CALLBACK_METADATA, JOB_METADATA } from './jobline.constants.js';
import type { JobCallbackMetadata } from './job-callback.decorator.js';
import type { JobMetadata } from './job.decorator.js';

/** The one place that reads Jobline's decorator metadata. */
@Injectable()
export class JoblineMetadataAccessor {
  getJob(method: unknown): JobMetadata | undefined {
    return typeof method === 'function' ? (Reflect.getMetadata(JOB_METADATA, method) as JobMetadata | undefined) : undefined;
  }

  getJobCallback(method: unknown): JobCallbackMetadata | undefined {
    return typeof method === 'function' ? (Reflect.getMetadata(JOB_CALLBACK_METADATA, method) as JobCallbackMetadata | undefined) : undefined;
  }

  /** The type of the method's first parameter, from TypeScript's emitted design metadata. */
  getPayloadType(prototype: object, methodName: string): unknown {
    const types = Reflect.getMetadata('design:paramtypes', prototype, methodName) as unknown[] | undefined;
    return types?.[0];
  }
}
