import {
  DocumentNode,
  FragmentDefinitionNode,
  getNamedType,
  getNullableType,
  GraphQLError,
  GraphQLNamedType,
  GraphQLSchema,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  NoFragmentCyclesRule,
  SelectionSetNode,
  TypeInfo,
  ValidationContext,
  ValidationRule,
} from 'graphql';

// Rejects abusive documents in time linear in their size, so it can run before graphql-js's own rules
// (OverlappingFieldsCanBeMergedRule compares fields pairwise: quadratic). Each fragment is measured once per
// type (memoised) and a walk stops as soon as a limit is passed.
//
// Per operation: depth (nested fields) and cost (every field costs 1, a list field multiplies what is selected
// inside it by LIST_FACTOR, an estimate of list size). Per document: the limits below, which bound the work of
// the other validation rules.
const LIST_FACTOR = 10;
/** Fragment definitions: graphql-js compares every pair of fragments spread together. */
export const MAX_FRAGMENTS = 100;
/** Selections (fields, inline fragments, spreads), each fragment counted wherever it is spread. */
export const MAX_SELECTIONS = 2000;
/** Selection sets nested in one another (fields, inline fragments, fragment spreads): bounds every recursion. */
export const MAX_NESTING = 100;
/** Pairs of selections that merge into one response field (same name at the same place), compared by graphql-js. */
export const MAX_MERGE_PAIRS = 5000;

export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
}

/** Relative to the selection set measured; each figure saturates one above its limit. */
interface Measure {
  depth: number;
  cost: number;
  count: number;
  nesting: number;
}

const ZERO: Measure = { depth: 0, cost: 0, count: 0, nesting: 0 };

/** Adds a fragment (inline or spread) to the selection set that contains it: same level, one selection more. */
function absorb(acc: Measure, fragment: Measure): void {
  acc.depth = Math.max(acc.depth, fragment.depth);
  acc.cost += fragment.cost;
  acc.count += 1 + fragment.count;
  acc.nesting = Math.max(acc.nesting, 1 + fragment.nesting);
}

class Measurer {
  private readonly memo = new Map<string, Measure>();
  private readonly inProgress = new Set<string>();
  /** A spread of a fragment already being measured: a cycle, which NoFragmentCyclesRule reports. */
  cyclic = false;
  /** Fragments measured (spread somewhere, or measured on their own). */
  readonly reached = new Set<string>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly fragments: Map<string, FragmentDefinitionNode>,
    private readonly limits: QueryLimits,
  ) {}

  over(m: Measure): boolean {
    return m.depth > this.limits.maxDepth || m.cost > this.limits.maxCost || m.count > MAX_SELECTIONS || m.nesting > MAX_NESTING;
  }

  private cap(m: Measure): Measure {
    return {
      depth: Math.min(m.depth, this.limits.maxDepth + 1),
      cost: Math.min(m.cost, this.limits.maxCost + 1),
      count: Math.min(m.count, MAX_SELECTIONS + 1),
      nesting: Math.min(m.nesting, MAX_NESTING + 1),
    };
  }

  /** `type` is undefined below unknown fields and meta fields (`__schema`): only count and nesting are measured there. */
  measure(set: SelectionSetNode, type: GraphQLNamedType | undefined, stack: number): Measure {
    // The recursion itself is bounded: a stack this deep is a real path nested more than MAX_NESTING levels.
    if (stack > MAX_NESTING) return { ...ZERO, nesting: MAX_NESTING + 1 };
    const acc: Measure = { depth: 1, cost: 0, count: 0, nesting: 1 };
    const fields = type && (isObjectType(type) || isInterfaceType(type)) ? type.getFields() : {};
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const def = sel.name.value.startsWith('__') ? undefined : fields[sel.name.value];
        const sub = sel.selectionSet ? this.measure(sel.selectionSet, def && getNamedType(def.type), stack + 1) : ZERO;
        acc.count += 1 + sub.count;
        acc.nesting = Math.max(acc.nesting, 1 + sub.nesting);
        if (def) {
          const factor = isListType(getNullableType(def.type)) ? LIST_FACTOR : 1;
          acc.cost += 1 + factor * sub.cost;
          if (sel.selectionSet) acc.depth = Math.max(acc.depth, 1 + sub.depth);
        }
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const on = (sel.typeCondition && this.schema.getType(sel.typeCondition.name.value)) || type;
        absorb(acc, this.measure(sel.selectionSet, on, stack + 1));
      } else {
        const fragment = this.fragments.get(sel.name.value);
        if (!fragment) continue; // unknown: KnownFragmentNamesRule reports it
        const on = this.schema.getType(fragment.typeCondition.name.value) || type;
        absorb(acc, this.measureFragment(fragment.name.value, fragment.selectionSet, on, stack + 1));
      }
      if (this.over(acc)) break;
    }
    return this.cap(acc);
  }

  measureFragment(name: string, set: SelectionSetNode, type: GraphQLNamedType | undefined, stack: number): Measure {
    const key = `${name}\u0000${type?.name ?? ''}`;
    const known = this.memo.get(key);
    if (known) return known;
    this.reached.add(name);
    if (this.inProgress.has(name)) {
      this.cyclic = true;
      return ZERO;
    }
    this.inProgress.add(name);
    const m = this.measure(set, type, stack);
    this.inProgress.delete(name);
    this.memo.set(key, m);
    return m;
  }
}

/**
 * Pairs of selections graphql-js will compare: fields with the same response name at the same place, after
 * fragments are expanded (each fragment once per place, as graphql-js does). Walks the expansion, whose size the
 * selection count has already bounded (acyclic documents only).
 */
function mergePairs(roots: SelectionSetNode[], fragments: Map<string, FragmentDefinitionNode>): { pairs: number; worst: { path: string; times: number } } {
  let pairs = 0;
  const worst = { path: '', times: 0 };
  const collect = (set: SelectionSetNode, into: Map<string, SelectionSetNode[]>, counts: Map<string, number>, seen: Set<string>) => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const key = sel.alias?.value ?? sel.name.value;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        const list = into.get(key) ?? [];
        if (sel.selectionSet) list.push(sel.selectionSet);
        into.set(key, list);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        collect(sel.selectionSet, into, counts, seen);
      } else if (!seen.has(sel.name.value)) {
        seen.add(sel.name.value);
        const fragment = fragments.get(sel.name.value);
        if (fragment) collect(fragment.selectionSet, into, counts, seen);
      }
    }
  };
  const walk = (sets: SelectionSetNode[], path: string) => {
    const into = new Map<string, SelectionSetNode[]>();
    const counts = new Map<string, number>();
    const seen = new Set<string>();
    for (const set of sets) collect(set, into, counts, seen);
    for (const [key, times] of counts) {
      pairs += (times * (times - 1)) / 2;
      if (times > worst.times) Object.assign(worst, { path: path ? `${path}.${key}` : key, times });
    }
    if (pairs > MAX_MERGE_PAIRS) return;
    for (const [key, subs] of into) if (subs.length) walk(subs, path ? `${path}.${key}` : key);
  };
  for (const root of roots) if (pairs <= MAX_MERGE_PAIRS) walk([root], '');
  return { pairs, worst };
}

/** NoFragmentCyclesRule run on the fragment definitions alone, without a traversal of the whole document. */
function fragmentCycleErrors(schema: GraphQLSchema, doc: DocumentNode, fragments: Map<string, FragmentDefinitionNode>): GraphQLError[] {
  const errors: GraphQLError[] = [];
  const visitor = NoFragmentCyclesRule(new ValidationContext(schema, doc, new TypeInfo(schema), (e) => errors.push(e)));
  const enter = (visitor as { FragmentDefinition: (node: FragmentDefinitionNode) => void }).FragmentDefinition;
  for (const f of fragments.values()) enter(f);
  return errors;
}

export function queryLimitsRule(limits: QueryLimits): ValidationRule {
  return (ctx: ValidationContext) => ({
    Document(doc) {
      for (const error of queryLimitErrors(ctx.getSchema(), doc, limits)) ctx.reportError(error);
      return false;
    },
  });
}

/**
 * The errors of the limits (or, for a cyclic document, graphql-js's cycle errors, since nothing else can be
 * measured on it); [] when within. Called directly, not through `validate`, whose traversal of the whole document
 * would cost more than the measure itself.
 */
export function queryLimitErrors(schema: GraphQLSchema, doc: DocumentNode, limits: QueryLimits): GraphQLError[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  if (fragments.size > MAX_FRAGMENTS) {
    return [new GraphQLError(`The document defines ${fragments.size} fragments, more than the limit of ${MAX_FRAGMENTS}`)];
  }
  const m = new Measurer(schema, fragments, limits);
  const errors: GraphQLError[] = [];
  const total: Measure = { ...ZERO };
  const add = (x: Measure) => {
    total.count += x.count;
    total.nesting = Math.max(total.nesting, x.nesting);
  };
  for (const op of doc.definitions) {
    if (op.kind !== Kind.OPERATION_DEFINITION) continue;
    const x = m.measure(op.selectionSet, schema.getRootType(op.operation) ?? undefined, 1);
    add(x);
    const name = op.name ? `Operation "${op.name.value}"` : 'The operation';
    if (x.depth > limits.maxDepth) {
      errors.push(new GraphQLError(`${name} is nested too deeply: its depth exceeds the limit of ${limits.maxDepth}`, { nodes: [op] }));
    } else if (x.cost > limits.maxCost) {
      errors.push(new GraphQLError(`${name} is too expensive: its estimated cost exceeds the limit of ${limits.maxCost}`, { nodes: [op] }));
    }
    if (m.over(total)) break;
  }
  // A fragment spread nowhere is measured on its own: graphql-js validates every definition.
  const unspread = [...fragments.values()].filter((f) => !m.reached.has(f.name.value));
  for (const f of unspread) {
    if (m.over(total)) break;
    add(m.measureFragment(f.name.value, f.selectionSet, schema.getType(f.typeCondition.name.value) ?? undefined, 1));
  }
  // One verdict per document when it is over a document-wide limit: the walk stopped there, other figures are partial.
  if (errors.length) return errors;
  if (total.nesting > MAX_NESTING) {
    errors.push(new GraphQLError(`The document nests selections (fields and fragments) more than ${MAX_NESTING} levels deep`));
  } else if (total.count > MAX_SELECTIONS) {
    errors.push(new GraphQLError(`The document is too large: more than ${MAX_SELECTIONS} selections, counting each fragment wherever it is spread`));
  }
  if (errors.length) return errors;
  // graphql-js reports the cycle in its own words; nothing else is measured on a cyclic document.
  if (m.cyclic) return fragmentCycleErrors(schema, doc, fragments);
  const roots = [...doc.definitions.flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION ? [d.selectionSet] : [])), ...unspread.map((f) => f.selectionSet)];
  const merges = mergePairs(roots, fragments);
  if (merges.pairs > MAX_MERGE_PAIRS) {
    return [new GraphQLError(`The document selects the same field too many times at one place ("${merges.worst.path}" ${merges.worst.times} times)`)];
  }
  return [];
}
