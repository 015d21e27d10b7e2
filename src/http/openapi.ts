import { INBOX_OPTIONS } from '../core/index.js';
import type { HttpSettings } from './http-options.js';

const errorsSchema = { type: 'object', required: ['errors'], properties: { errors: { type: 'array', items: { type: 'string' } } } };
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Errors' } } } });
const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const jsonBody = (required: string[], properties: object) => ({
  required: true,
  content: { 'application/json': { schema: { type: 'object', required, additionalProperties: false, properties } } },
});

/** Plain JSON options the HTTP API takes beyond an inbox entry's. */
const HTTP_ONLY_OPTIONS = ['dependsOn', 'retry', 'onDependencyFailure'];

/** The OpenAPI 3.1 description of the routes under `settings.path` (served at `GET /<path>/openapi.json`). */
export function openApiDocument(settings: HttpSettings): object {
  const p = `/${settings.path}`;
  const common = {
    '401': errorResponse('No API key, or an unknown one'),
    '403': errorResponse("A queue this key may not use (the key's `queues`)"),
    '404': errorResponse(settings.queues ? 'A queue this API does not serve, or an unknown job' : 'An unknown job'),
  };
  const options = {
    type: 'object',
    description: `Enqueue options that are plain JSON (checked as enqueue() checks them), e.g. ${[...INBOX_OPTIONS, ...HTTP_ONLY_OPTIONS].join(', ')}.`,
    additionalProperties: true,
  };
  return {
    openapi: '3.1.0',
    info: { title: 'Jobline queue API', version: '1' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' } },
      schemas: {
        Errors: errorsSchema,
        Options: options,
        Added: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, queue: { type: 'string' }, status: { type: 'string' } } },
      },
    },
    security: [{ bearer: [] }, { apiKey: [] }],
    paths: {
      [`${p}/add`]: {
        post: {
          summary: 'Enqueue one job',
          requestBody: jsonBody(['queue', 'data'], {
            queue: { type: 'string' },
            name: { type: 'string', description: "the @Job name; default: the queue's name" },
            data: {},
            options: { $ref: '#/components/schemas/Options' },
          }),
          responses: {
            '201': json({ $ref: '#/components/schemas/Added' }, 'Enqueued (or, for a `jobId` that exists, that job: nothing is changed)'),
            '400': errorResponse('A bad body, name or option'),
            '413': errorResponse(`A body over ${settings.maxBodySize} bytes`),
            ...common,
          },
        },
      },
      [`${p}/add-batch`]: {
        post: {
          summary: 'Enqueue many jobs, all or none, in order',
          requestBody: jsonBody(['queue', 'jobs'], {
            queue: { type: 'string' },
            name: { type: 'string' },
            jobs: {
              type: 'array',
              minItems: 1,
              maxItems: settings.maxBatch,
              items: { type: 'object', required: ['data'], additionalProperties: false, properties: { name: { type: 'string' }, data: {}, options: { $ref: '#/components/schemas/Options' } } },
            },
          }),
          responses: {
            '201': json({ type: 'object', properties: { enqueued: { type: 'integer' }, ids: { type: 'array', items: { type: 'string' } } } }, 'Every job enqueued'),
            '400': errorResponse('A bad item (its index named): nothing was stored'),
            '413': errorResponse(`More than ${settings.maxBatch} jobs, or a body over ${settings.maxBodySize} bytes`),
            ...common,
          },
        },
      },
      [`${p}/jobs/{id}`]: {
        get: {
          summary: "A job's info",
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': json({ type: 'object' }, 'The job (JobInfo: status, data, result, error, attempts, timings, ...); for the id of an inbox entry that stored nothing, since a live job held its `unique` key: that job, with `duplicate: true`'), ...common },
        },
      },
      [`${p}/jobs/{id}/result`]: {
        get: {
          summary: "Wait for a job's result (woken by Redis, not polling)",
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'wait', in: 'query', required: false, schema: { type: 'string' }, description: `how long to wait: '10s', '500ms', seconds, or 'true' (the most: ${settings.maxWaitMs} ms)` },
          ],
          responses: {
            '200': json({ type: 'object', properties: { id: {}, queue: {}, status: { const: 'finished' }, result: {} } }, 'Finished: its result'),
            '202': json({ type: 'object', properties: { id: {}, queue: {}, status: {} } }, 'Not done yet (queued, started, deferred, scheduled)'),
            '409': json({ type: 'object', properties: { id: {}, queue: {}, status: {}, error: {}, errors: {} } }, 'Ended without a result: failed, canceled, expired or stopped'),
            '400': errorResponse('A bad `wait`'),
            ...common,
          },
        },
      },
    },
  };
}
