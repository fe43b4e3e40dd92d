/**
 * Which items a data query asks for: the fields selected under `nodes` of the
 * connection, through fragments, honouring @skip and @include.
 */
import {
  getDirectiveValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  type FieldNode,
  type GraphQLResolveInfo,
  type SelectionSetNode,
} from 'graphql';

function included(node: { directives?: readonly unknown[] }, info: GraphQLResolveInfo): boolean {
  const anyNode = node as Parameters<typeof getDirectiveValues>[1];
  const skip = getDirectiveValues(GraphQLSkipDirective, anyNode, info.variableValues);
  if (skip?.if === true) return false;
  const include = getDirectiveValues(GraphQLIncludeDirective, anyNode, info.variableValues);
  return include?.if !== false;
}

/** Field nodes of a selection set, fragments flattened. */
function collectFields(selectionSet: SelectionSetNode | undefined, info: GraphQLResolveInfo, into: FieldNode[] = []): FieldNode[] {
  for (const selection of selectionSet?.selections ?? []) {
    if (!included(selection, info)) continue;
    if (selection.kind === Kind.FIELD) into.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) collectFields(selection.selectionSet, info, into);
    else {
      const fragment = info.fragments[selection.name.value];
      if (fragment) collectFields(fragment.selectionSet, info, into);
    }
  }
  return into;
}

/** Names of the fields selected on `nodes` of the current connection field, in first-seen order. */
export function selectedNodeFields(info: GraphQLResolveInfo): string[] {
  const names = new Set<string>();
  for (const fieldNode of info.fieldNodes) {
    for (const connectionField of collectFields(fieldNode.selectionSet, info)) {
      if (connectionField.name.value !== 'nodes') continue;
      for (const itemField of collectFields(connectionField.selectionSet, info)) {
        if (itemField.name.value !== '__typename') names.add(itemField.name.value);
      }
    }
  }
  return [...names];
}

/** Names of the fields selected directly under the current (object or list) field, in first-seen order. */
export function selectedObjectFields(info: GraphQLResolveInfo): string[] {
  const names = new Set<string>();
  for (const fieldNode of info.fieldNodes) {
    for (const field of collectFields(fieldNode.selectionSet, info)) {
      if (field.name.value !== '__typename') names.add(field.name.value);
    }
  }
  return [...names];
}
