import { JOB_CALLBACK_METADATA } from './jobline.constants.js';

export interface JobCallbackMetadata {
  name: string | undefined;
}

/** Marks a provider method usable as an `onSuccess` / `onFailure` / `onStopped` callback, by name. */
export function JobCallback(name?: string): MethodDecorator {
  return (_target, _key, descriptor) => {
    Reflect.defineMetadata(JOB_CALLBACK_METADATA, { name } satisfies JobCallbackMetadata, descriptor.value as object);
    return descriptor;
  };
}
