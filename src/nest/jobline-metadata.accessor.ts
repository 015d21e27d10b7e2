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

  /** The method's parameter types, from TypeScript's emitted design metadata; undefined when the build emitted none. */
  getParamTypes(prototype: object, methodName: string): unknown[] | undefined {
    return Reflect.getMetadata('design:paramtypes', prototype, methodName) as unknown[] | undefined;
  }
}
