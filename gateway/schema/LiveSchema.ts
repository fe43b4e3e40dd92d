/**
 * Hands Apollo Server a schema that can be replaced while the server runs
 * (Apollo's gateway interface). Apollo takes the current schema when a request
 * starts, so requests in flight finish on the schema they began with.
 */
import type { GraphQLSchema } from 'graphql';
import type {
  GatewayInterface,
  GatewayLoadResult,
  GatewaySchemaLoadOrUpdateCallback,
  GatewayUnsubscriber,
} from '@apollo/server-gateway-interface';

export class LiveSchema implements GatewayInterface {
  private readonly listeners = new Set<GatewaySchemaLoadOrUpdateCallback>();

  constructor(private schema: GraphQLSchema) {}

  /** The schema new requests get. */
  get current(): GraphQLSchema {
    return this.schema;
  }

  async load(): Promise<GatewayLoadResult> {
    this.announce();
    // null: Apollo executes with graphql-js against the announced schema.
    return { executor: null };
  }

  onSchemaLoadOrUpdate(callback: GatewaySchemaLoadOrUpdateCallback): GatewayUnsubscriber {
    this.listeners.add(callback);
    return () => this.listeners.delete(callback);
  }

  /** Replaces the schema for requests that start from now on. */
  update(schema: GraphQLSchema): void {
    this.schema = schema;
    this.announce();
  }

  async stop(): Promise<void> {
    this.listeners.clear();
  }

  private announce(): void {
    for (const listener of this.listeners) listener({ apiSchema: this.schema, coreSupergraphSdl: '' });
  }
}
