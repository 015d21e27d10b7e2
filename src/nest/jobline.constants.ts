/** DI tokens and metadata keys. Tokens are symbols so they never clash with a user's providers. */
export const JOBLINE_MODULE_OPTIONS = Symbol('JOBLINE_MODULE_OPTIONS');
export const JOBLINE_CONSUMER_OPTIONS = Symbol('JOBLINE_CONSUMER_OPTIONS');
export const JOB_METADATA = 'jobline:job';
export const JOB_CALLBACK_METADATA = 'jobline:job-callback';
