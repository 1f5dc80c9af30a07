import 'reflect-metadata';
import { GraphQLSchema, parse, specifiedRules, validate } from 'graphql';
import { buildAppSchema } from '../../src/app/graphql/schema';
import { validateDocument } from '../../src/app/graphql/validation-rules';
import { abusiveDocuments, acceptedDocuments } from '../support/abusive-documents';

const settings = { limits: { maxDepth: 12, maxCost: 20000 }, production: false };

/** CPU milliseconds of the cheapest of three runs: load from other processes does not count, a warm JIT does. */
function cpuMs(fn: () => unknown): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const started = process.cpuUsage();
    fn();
    const used = process.cpuUsage(started);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return best;
}

describe('query limits (validation before execution)', () => {
  let schema: GraphQLSchema;
  const check = (query: string, limits = settings.limits) => validateDocument(schema, parse(query), { ...settings, limits });

  beforeAll(async () => {
    schema = await buildAppSchema();
  });

  test.each(Object.entries(abusiveDocuments()))('an abusive document of up to 100 KB (%s) is refused in well under 100 ms', (_shape, query) => {
    const document = parse(query);
    const errors = validateDocument(schema, document, settings);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.extensions.code === 'GRAPHQL_VALIDATION_FAILED')).toBe(true);
    expect(cpuMs(() => validateDocument(schema, document, settings))).toBeLessThan(100);
  });

  test.each(Object.entries(acceptedDocuments()))('a document just within the limits (%s) passes every rule in well under 100 ms', (_shape, query) => {
    const document = parse(query);
    expect(validateDocument(schema, document, settings)).toEqual([]);
    expect(cpuMs(() => validateDocument(schema, document, settings))).toBeLessThan(100);
  });

  test('25 fragments that each spread the next one twice (1 KB) are refused without expanding them', () => {
    const fragments = Array.from({ length: 25 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join('\n');
    const query = `query FanOut { ...F0 }\n${fragments}\nfragment F25 on Query { plans { code } }`;
    expect(query.length).toBeLessThan(1500);
    // Whichever limit the walk passes first: the cost or the number of selections.
    const errors = check(query);
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(/^(Operation "FanOut" is too expensive|The document is too large)/);
    expect(cpuMs(() => check(query))).toBeLessThan(20);
  });

  test('cyclic fragments fail as graphql-js reports them, without overflowing the stack', () => {
    const cycles = [
      'query Q { ...A } fragment A on Query { ...A }',
      'query Q { ...A } fragment A on Query { plans { code } ...B } fragment B on Query { viewer { id } ...A }',
      'query Q { viewer { ...U } } fragment U on User { agency { users { ...U } } }',
    ];
    for (const query of cycles) {
      const errors = check(query);
      expect(errors.map((e) => e.message)).toEqual(validate(schema, parse(query), specifiedRules).map((e) => e.message));
      expect(errors[0].message).toMatch(/^Cannot spread fragment "\w+" within itself/);
    }
  });

  test('depth counts fields nested through fragments and inline fragments, and only fields', () => {
    // 1 (location) + 2 per agency/locations pair + 1 (the id's set); fragments and inline fragments add nothing.
    const nested = (pairs: number) =>
      `query Q { location(id: "x") { ...L0 } }\n` +
      Array.from({ length: pairs }, (_, i) => `fragment L${i} on Location { ... on Location { agency { locations { ${i + 1 < pairs ? `...L${i + 1}` : 'id'} } } } }`).join('\n');
    const noCostLimit = { maxDepth: 12, maxCost: 1e12 };
    expect(check(nested(5), noCostLimit)).toEqual([]); // depth 12
    expect(check(nested(6), noCostLimit).map((e) => e.message)).toEqual(['Operation "Q" is nested too deeply: its depth exceeds the limit of 12']);
  });

  test('cost multiplies what a list selects, measured once per fragment however often it is spread', () => {
    // agency (1) + locations (1 + 10 × (users: 1 + 10 × id 1)) = 1 + 1 + 10 × 11 = 112 per alias
    const one = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: agency(id: "x") { ...A }`).join(' ')} } fragment A on Agency { locations { users { id } } }`;
    expect(check(one(178))).toEqual([]); // 178 × 112 = 19,936
    expect(check(one(179)).map((e) => e.message)).toEqual(['The operation is too expensive: its estimated cost exceeds the limit of 20000']);
  });

  test('a document selecting the same field at one place hundreds of times is refused, naming it', () => {
    expect(check(`{ viewer { ${'id '.repeat(200)} } }`).map((e) => e.message)).toEqual([
      'The document selects the same field too many times at one place ("viewer.id" 200 times)',
    ]);
  });
});
