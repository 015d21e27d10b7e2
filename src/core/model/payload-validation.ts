import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validate, type ValidationError } from 'class-validator';
import { PayloadValidationError } from './errors.js';
import type { JobHandlerDefinition, PayloadClass } from './handler-registry.js';

/** True when the class carries class-validator decorators (only then is a payload checked against it). */
export function hasValidationRules(cls: unknown): cls is PayloadClass {
  if (typeof cls !== 'function' || cls === Object) return false;
  return getMetadataStorage().getTargetValidationMetadatas(cls, '', false, false).length > 0;
}

/** Validates `data` against the handler's payload class; throws PayloadValidationError listing every problem. */
export async function validatePayload(def: JobHandlerDefinition, data: unknown): Promise<void> {
  const cls = def.payloadClass;
  if (!cls) return;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new PayloadValidationError(def.name, [`expected an object matching ${cls.name}, got ${Array.isArray(data) ? 'an array' : String(data === null ? 'null' : typeof data)}`]);
  }
  const instance = plainToInstance(cls as new () => object, data);
  const errors = await validate(instance, { forbidUnknownValues: false });
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
