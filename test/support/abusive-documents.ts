// Documents an attacker may send, each about `size` characters (default 100 KB). Shared by the validation tests
// (both transports) and `npm run bench` (validate_worst_ms).
const ID = '00000000-0000-4000-8000-000000000000';

/** Repeats `unit(i)` between `head` and `tail` until the document reaches `size` characters. */
function fill(size: number, unit: (i: number) => string, head = '{ ', tail = ' }'): string {
  const parts = [head];
  let length = head.length + tail.length;
  for (let i = 0; length < size; i++) {
    const u = unit(i);
    parts.push(u);
    length += u.length;
  }
  parts.push(tail);
  return parts.join('');
}

/** `n` fragments F0..F(n-1), each with `body(i)`, and a last one F(n) with `last`. */
const chain = (n: number, body: (i: number) => string, last: string, on = 'Query') =>
  Array.from({ length: n }, (_, i) => `fragment F${i} on ${on} { ${body(i)} }`).join('\n') + `\nfragment F${n} on ${on} { ${last} }`;

/** Documents over the limits: each must be refused (GRAPHQL_VALIDATION_FAILED), fast. */
export function abusiveDocuments(size = 100 * 1024): Record<string, string> {
  const width = Math.max(2, Math.floor(size / 60 / 8));
  const heavy = Math.max(1, Math.floor(size / 60 / 75));
  return {
    // Each of 60 fragments spreads the next one many times: exponential once expanded.
    'fragment fan-out': `query FanOut { ...F0 }\n${chain(59, (i) => `...F${i + 1} `.repeat(width), 'plans { code name }')}`,
    // Hundreds of aliases of a list field.
    'alias fan-out': fill(size, (i) => `a${i}: agency(id: "${ID}") { locations { users { id } } } `),
    // One field selected over and over: graphql-js compares every pair.
    'repeated field': fill(size, () => 'id ', '{ viewer { ', ' } }'),
    'repeated inline fragments': fill(size, () => '... on User { id } ', '{ viewer { ', ' } }'),
    // Fragments spread side by side: graphql-js compares every pair of fragments.
    'many fragments': (() => {
      const n = Math.floor(size / 48);
      return `{ ${Array.from({ length: n }, (_, i) => `...G${i}`).join(' ')} }\n${Array.from({ length: n }, (_, i) => `fragment G${i} on Query { g${i}: plans { code } }`).join('\n')}`;
    })(),
    // Deep nesting through fragments and inline fragments.
    'deep nesting': `query Deep { location(id: "${ID}") { ...F0 } }\n${chain(10, (i) => `agency { locations { ... on Location { ...F${i + 1} } } }`, 'id', 'Location')}`,
    'deep inline fragments': fill(size, (i) => `x${i}: viewer { id } `, `{ ${'... on Query { '.repeat(150)} `, ` ${'} '.repeat(150)}}`),
    // Fragments in a cycle, each one heavy.
    'cyclic fragments': `query Cycle { ...F0 }\n${chain(59, (i) => `...F${i + 1} ${Array.from({ length: heavy }, (_, j) => `b${i}_${j}: location(id: "${ID}") { id }`).join(' ')}`, '...F0')}`,
    // Thousands of operations.
    'many operations': fill(size, (i) => `query Q${i} { viewer { id name email role } }\n`, '', ''),
  };
}

/** Documents just within the limits, as large or repetitive as accepted: every rule runs on them. */
export function acceptedDocuments(size = 100 * 1024): Record<string, string> {
  const aliasLength = Math.max(8, Math.floor(size / 1990) - 6);
  return {
    'largest accepted': `{ viewer { ${Array.from({ length: 1990 }, (_, i) => `${`a${i}_`.padEnd(aliasLength, 'x')}: id`).join(' ')} } }`,
    'repetitive accepted': `{ ${'viewer { id name email } '.repeat(50)} }`,
    'fragments accepted': `{ ${Array.from({ length: 100 }, (_, i) => `...H${i}`).join(' ')} }\n${Array.from({ length: 100 }, (_, i) => `fragment H${i} on Query { h${i}: plans { code } }`).join('\n')}`,
  };
}
