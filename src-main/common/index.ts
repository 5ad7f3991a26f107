export * from './api';
export * from './dto';
export * from './errors';
export * from './manifest';
export * from './result';
export * from './roles';
export * from './settings';
