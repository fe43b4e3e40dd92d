export { postgresConnector, createPostgresConnector } from './postgresConnector.js';
export {
  IDENTIFIER_PATTERN,
  postgresBindingProblems,
  postgresBindingSchema,
  postgresConfigSchema,
  type PostgresBinding,
  type PostgresConfig,
} from './postgresSchemas.js';
