import { Allow, ArrayNotEmpty, IsArray, IsDefined, IsNotEmpty, IsObject, IsOptional, IsString, ValidateIf, ValidateNested, validate } from 'class-validator';
import { validationProblems } from '../core/index.js';

// The request bodies, checked by class-validator for their shape; the values of names and options are then checked
// by enqueue itself (one set of rules and messages, whichever way a job comes).

/** `data` may be any JSON value, null included, but must be there (as in runqy's API). */
const hasData = (o: { data?: unknown }) => o.data !== null;

export class BatchJob {
  /** Default: the batch's `name`, else the queue's name. */
  @IsOptional()
  @IsString()
  name?: string;

  @ValidateIf(hasData)
  @IsDefined({ message: 'data must be given (any JSON value, null included)' })
  data?: unknown;

  @IsOptional()
  @IsObject()
  options?: Record<string, unknown>;
}

/** One job: a batch item's members (its `name` defaulting to the queue's name, as runqy's queues run one kind of job), and its queue. */
export class AddJobBody extends BatchJob {
  @IsString()
  @IsNotEmpty()
  queue!: string;
}

export class AddBatchBody {
  @IsString()
  @IsNotEmpty()
  queue!: string;

  @IsOptional()
  @IsString()
  name?: string;

  @IsArray()
  @ArrayNotEmpty()
  @ValidateNested({ each: true })
  jobs!: BatchJob[];
}

// `@Allow()` keeps `data` known to the whitelist even when ValidateIf skips it (data: null)
Allow()(BatchJob.prototype, 'data');

/**
 * The body as an instance of `cls` (a shallow copy: the job data is not walked or copied), and class-validator's
 * problems with it, each naming its place (`jobs.3.name must be a string`); unknown members are problems too.
 * `nested`: the member holding a list of `nested.cls` items. class-validator costs ~30 µs an item (half an add-batch's
 * server time), so when every item passes `nested.plain` (the same rules, checked directly) only the first item goes
 * through class-validator with the body; otherwise all do, and their problems are its own.
 */
export async function checkBody<T extends object>(
  cls: new () => T,
  body: unknown,
  nested?: { key: keyof T & string; cls: new () => object; plain: (item: unknown) => boolean },
): Promise<{ value: T; problems: string[] }> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { value: new cls(), problems: [`the body must be a JSON object, got ${body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body}`] };
  }
  const value = Object.assign(new cls(), body);
  let checked: T = value;
  if (nested) {
    const list = (value as Record<string, unknown>)[nested.key];
    if (Array.isArray(list)) {
      const asItem = (item: unknown) => (item !== null && typeof item === 'object' && !Array.isArray(item) ? Object.assign(new nested.cls(), item) : item);
      if (list.every(nested.plain)) {
        checked = Object.assign(new cls(), value, { [nested.key]: list.slice(0, 1).map(asItem) });
      } else {
        (value as Record<string, unknown>)[nested.key] = list.map(asItem);
      }
    }
  }
  const errors = await validate(checked, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true, validationError: { target: false, value: false } });
  return { value, problems: validationProblems(errors) };
}

/**
 * BatchJob's rules, checked directly (no problem to report): only name, data and options; data given; name a string
 * and options an object, or either null or absent (IsOptional's reading).
 */
export function plainBatchJob(item: unknown): boolean {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return false;
  let data = false;
  for (const k in item) {
    const v = (item as Record<string, unknown>)[k];
    if (k === 'data') data = v !== undefined;
    else if (v === null || v === undefined) {
      if (k !== 'name' && k !== 'options') return false;
    } else if (k === 'name') {
      if (typeof v !== 'string') return false;
    } else if (k === 'options') {
      if (typeof v !== 'object' || Array.isArray(v)) return false;
    } else return false;
  }
  return data;
}
