export { QueueHttpModule, JOBLINE_HTTP_OPTIONS } from './queue-http.module.js';
export { QueueHttpApi, type HttpAnswer, type HttpRequest } from './queue-http-api.js';
export { httpServeMount } from './serve-mount.js';
export { httpSettings, type ApiKeyOption, type HttpSettings, type QueueHttpModuleOptions, type QueueHttpModuleAsyncOptions, type QueueHttpModuleOptionsFactory } from './http-options.js';
