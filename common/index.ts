export * from './errors.js';
export * from './identifiers.js';
export * from './validation.js';
export * from './config.js';
export * from './clock.js';
export * from './logger.js';
export * from './workingDays.js';
