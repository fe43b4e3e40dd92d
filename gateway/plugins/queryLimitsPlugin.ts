/**
 * Refuses queries that are too deep, too aliased or too costly before any
 * resolver runs. Cost is the number of rows a query may fetch: every field
 * counts 1, and a field with `first` multiplies what is under it by `first`
 * (its default when not given or null), so nested pages cost what they could return.
 * Variables are measured as execution will see them: coerced, defaults filled.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  valueFromAST,
  getNamedType,
  getVariableValues,
  isObjectType,
  isInterfaceType,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import type { QueryLimits } from '../../common/config.js';
import { meridianError } from '../../common/errors.js';

interface Measure {
  depth: number;
  aliases: number;
  cost: number;
}

/** Depth, alias count and cost of an operation's selection set. */
export function measureSelection(
  schema: GraphQLSchema,
  parentType: GraphQLNamedType,
  selectionSet: SelectionSetNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  variables: Readonly<Record<string, unknown>>,
  depth = 1,
  visiting: ReadonlySet<string> = new Set(),
): Measure {
  const total: Measure = { depth, aliases: 0, cost: 0 };
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const name = selection.name.value;
      const fragment = fragments[name];
      if (!fragment || visiting.has(name)) continue;
      const type = schema.getType(fragment.typeCondition.name.value) ?? parentType;
      merge(total, measureSelection(schema, type, fragment.selectionSet, fragments, variables, depth, new Set([...visiting, name])));
      continue;
    }
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition ? (schema.getType(selection.typeCondition.name.value) ?? parentType) : parentType;
      merge(total, measureSelection(schema, type, selection.selectionSet, fragments, variables, depth, visiting));
      continue;
    }
    if (selection.alias) total.aliases += 1;
    const field = fieldOf(parentType, selection.name.value);
    let cost = 1;
    if (selection.selectionSet && field) {
      const inner = measureSelection(schema, getNamedType(field.type), selection.selectionSet, fragments, variables, depth + 1, visiting);
      total.depth = Math.max(total.depth, inner.depth);
      total.aliases += inner.aliases;
      cost += inner.cost * pageSize(field, selection.arguments ?? [], variables);
    }
    total.cost += cost;
  }
  return total;
}

function merge(into: Measure, from: Measure): void {
  into.depth = Math.max(into.depth, from.depth);
  into.aliases += from.aliases;
  into.cost += from.cost;
}

function fieldOf(type: GraphQLNamedType, name: string): GraphQLField<unknown, unknown> | undefined {
  return isObjectType(type) || isInterfaceType(type) ? type.getFields()[name] : undefined;
}

/** The `first` a field will use: the argument, else (absent or null, as resolvers read it) its default, else 1. */
function pageSize(
  field: GraphQLField<unknown, unknown>,
  args: readonly import('graphql').ArgumentNode[],
  variables: Readonly<Record<string, unknown>>,
): number {
  const definition = field.args.find((arg) => arg.name === 'first');
  if (!definition) return 1;
  const node = args.find((arg) => arg.name.value === 'first');
  const given: unknown = node ? valueFromAST(node.value, definition.type, variables as Record<string, unknown>) : undefined;
  const value = given ?? definition.defaultValue;
  return typeof value === 'number' && value > 0 ? value : 1;
}

export function queryLimitsPlugin(limits: QueryLimits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return;
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const definition of document.definitions) {
            if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
          }
          const root = operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
          if (!root) return;
          // Raw variables would miss an operation's variable defaults ($n: Int = 500) and so under-count pages.
          const variables = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {});
          // Variables that do not coerce are refused by execution before any resolver runs.
          if (!variables.coerced) return;
          const measure = measureSelection(schema, root, operation.selectionSet, fragments, variables.coerced);
          const exceeded =
            measure.depth > limits.maxDepth
              ? { limit: 'depth', actual: measure.depth, max: limits.maxDepth }
              : measure.aliases > limits.maxAliases
                ? { limit: 'alias', actual: measure.aliases, max: limits.maxAliases }
                : measure.cost > limits.maxCost
                  ? { limit: 'cost', actual: measure.cost, max: limits.maxCost }
                  : null;
          if (exceeded) {
            const error = meridianError('QUERY_TOO_COMPLEX', exceeded);
            throw new GraphQLError(error.message, {
              originalError: error,
              extensions: { code: error.code, http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
