import { createRequire } from 'node:module';
import type * as ClassTransformer from 'class-transformer';
import type * as ClassValidator from 'class-validator';
import type { ValidationError } from 'class-validator';
import { PayloadValidationError } from './errors.js';
import type { JobHandlerDefinition, PayloadClass } from './handler-registry.js';

// loaded when first needed (a payload class to check), not with the engine: class-validator and class-transformer
// are some 350 CommonJS files, most of a command line's start-up; require() gives the instance the application's
// own import (their `main`, CommonJS) decorated its classes with
const load = createRequire(import.meta.url);
let validator: typeof ClassValidator | null = null;
let transformer: typeof ClassTransformer | null = null;
const classValidator = () => (validator ??= load('class-validator') as typeof ClassValidator);
const classTransformer = () => (transformer ??= load('class-transformer') as typeof ClassTransformer);

/** True when the class carries class-validator decorators (only then is a payload checked against it). */
export function hasValidationRules(cls: unknown): cls is PayloadClass {
  if (typeof cls !== 'function' || cls === Object) return false;
  return classValidator().getMetadataStorage().getTargetValidationMetadatas(cls, '', false, false).length > 0;
}

/** Validates `data` against the handler's payload class; throws PayloadValidationError listing every problem. */
export async function validatePayload(def: JobHandlerDefinition, data: unknown): Promise<void> {
  const cls = def.payloadClass;
  if (!cls) return;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new PayloadValidationError(def.name, [`expected an object matching ${cls.name}, got ${Array.isArray(data) ? 'an array' : String(data === null ? 'null' : typeof data)}`]);
  }
  const instance = classTransformer().plainToInstance(cls as new () => object, data);
  const errors = await classValidator().validate(instance, { forbidUnknownValues: false });
  if (errors.length) throw new PayloadValidationError(def.name, validationProblems(errors));
}

/** class-validator's errors as messages, each naming its place (`address.city must be a string`). */
export function validationProblems(errors: ValidationError[], parent = ''): string[] {
  const out: string[] = [];
  for (const e of errors) {
    const path = parent ? `${parent}.${e.property}` : e.property;
    for (const msg of Object.values(e.constraints ?? {})) out.push(msg.startsWith(e.property) && parent ? `${parent}.${msg}` : msg);
    if (e.children?.length) out.push(...validationProblems(e.children, path));
  }
  return out;
}
