import {
  FragmentDefinitionNode,
  getNamedType,
  getNullableType,
  GraphQLError,
  GraphQLNamedType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  SelectionSetNode,
  ValidationContext,
  ValidationRule,
} from 'graphql';

// Rejects abusive queries before execution. Cost: every field costs 1, and a list field multiplies the
// cost of what is selected inside it by LIST_FACTOR (an estimate of list size).
const LIST_FACTOR = 10;

export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
}

interface Measure {
  depth: number;
  cost: number;
}

function measure(
  set: SelectionSetNode,
  type: GraphQLNamedType,
  fragments: Record<string, FragmentDefinitionNode>,
  ctx: ValidationContext,
  depth: number,
  limits: QueryLimits,
): Measure {
  let maxDepth = depth;
  let cost = 0;
  if (depth > limits.maxDepth + 1) return { depth, cost };
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      if (sel.name.value.startsWith('__')) continue;
      const fields = isObjectType(type) || isInterfaceType(type) ? type.getFields() : {};
      const def = fields[sel.name.value];
      if (!def) continue;
      const inner = getNullableType(def.type);
      const factor = isListType(inner) ? LIST_FACTOR : 1;
      if (sel.selectionSet) {
        const child = measure(sel.selectionSet, getNamedType(def.type), fragments, ctx, depth + 1, limits);
        maxDepth = Math.max(maxDepth, child.depth);
        cost += 1 + factor * child.cost;
      } else {
        cost += 1;
      }
    } else {
      const fragment = sel.kind === Kind.FRAGMENT_SPREAD ? fragments[sel.name.value] : sel;
      if (!fragment) continue;
      const condition = fragment.typeCondition ? ctx.getSchema().getType(fragment.typeCondition.name.value) : type;
      const child = measure(fragment.selectionSet, condition ?? type, fragments, ctx, depth, limits);
      maxDepth = Math.max(maxDepth, child.depth);
      cost += child.cost;
    }
  }
  return { depth: maxDepth, cost };
}

export function queryLimitsRule(limits: QueryLimits): ValidationRule {
  return (ctx) => ({
    Document(doc) {
      const fragments: Record<string, FragmentDefinitionNode> = {};
      for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
      for (const op of doc.definitions) {
        if (op.kind !== Kind.OPERATION_DEFINITION) continue;
        const root = ctx.getSchema().getRootType(op.operation);
        if (!root) continue;
        const m = measure(op.selectionSet, root, fragments, ctx, 1, limits);
        const name = op.name ? `Operation "${op.name.value}"` : 'The operation';
        if (m.depth > limits.maxDepth) {
          ctx.reportError(new GraphQLError(`${name} is nested too deeply: depth ${m.depth} exceeds the limit of ${limits.maxDepth}`, { nodes: [op] }));
        } else if (m.cost > limits.maxCost) {
          ctx.reportError(new GraphQLError(`${name} is too expensive: estimated cost ${m.cost} exceeds the limit of ${limits.maxCost}`, { nodes: [op] }));
        }
      }
    },
  });
}
