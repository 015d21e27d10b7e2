import 'reflect-metadata';

export * from './core/index.js';
export * from './nest/index.js';
export * from './metrics/index.js';
export * from './http/index.js';
export * from './dashboard/index.js';
