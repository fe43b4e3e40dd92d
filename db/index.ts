export * from './openDatabase.js';
export * from './migrate.js';
export * from './changeNotifications.js';
export * from './adminAudit.js';
export * from './settings.js';
