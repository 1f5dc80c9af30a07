import jwt from 'jsonwebtoken';
import { extractBearer, signServiceToken, signUserToken, verifyToken } from '../../src/app/auth/jwt';
import { ConfigError, mayGenerateSecrets, parseEnv, resolveConfig } from '../../src/app/config/config';

const SECRET = 'a-secret-that-is-long-enough-0123456789';
const KEY_32 = Buffer.alloc(32, 1).toString('base64');
const KEY_32_B = Buffer.alloc(32, 2).toString('base64');
const KEY_16 = Buffer.alloc(16, 1).toString('base64');
const DB = 'postgres://u:p@db.example:5432/calbridge';

/** The ConfigError message of a start with this environment (parse, then resolve as main does). */
function startError(env: Record<string, string>, generated: Parameters<typeof resolveConfig>[1] = {}): string {
  try {
    resolveConfig(parseEnv(env), generated);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration', () => {
  const valid = { DATABASE_URL: DB, AUTH_JWT_SECRET: SECRET, TOKEN_ENCRYPTION_KEYS: KEY_32 };

  test.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PUBLIC_URL', 'not-a-url'],
    ['PUBLIC_URL', 'ftp://files.example.com'],
    ['OAUTH_RETURN_URL', 'crm.example.com/connect'],
    ['OAUTH_RETURN_URL', 'javascript:alert(1)'],
    ['TOKEN_ENCRYPTION_KEYS', KEY_16],
    ['TOKEN_ENCRYPTION_KEYS', `${KEY_32},${KEY_16}`], // one bad key among good ones is still refused
    ['AUTH_JWT_SECRET', 'too-short'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['NODE_ENV', 'staging'],
  ])('%s=%s stops the start with a message naming the variable', (name, value) => {
    const message = startError({ ...valid, [name]: value });
    expect(message).toMatch(new RegExp(`\\b${name}\\b`));
  });

  test('with DATABASE_URL set, a missing AUTH_JWT_SECRET is named (no secret is generated)', () => {
    const raw = parseEnv({ DATABASE_URL: DB, TOKEN_ENCRYPTION_KEYS: KEY_32 });
    expect(mayGenerateSecrets(raw)).toBe(false);
    expect(startError({ DATABASE_URL: DB, TOKEN_ENCRYPTION_KEYS: KEY_32 })).toMatch(/AUTH_JWT_SECRET/);
  });

  test('with DATABASE_URL set, a missing TOKEN_ENCRYPTION_KEYS is named', () => {
    expect(startError({ DATABASE_URL: DB, AUTH_JWT_SECRET: SECRET })).toMatch(/TOKEN_ENCRYPTION_KEYS/);
  });

  test('in production without DATABASE_URL secrets are not generated either', () => {
    expect(mayGenerateSecrets(parseEnv({ NODE_ENV: 'production' }))).toBe(false);
    expect(mayGenerateSecrets(parseEnv({}))).toBe(true);
  });

  test('PROCESS_ROLE: api or worker without REDIS_URL refuses to start and says why; with it, or all, starts', () => {
    for (const role of ['api', 'worker']) expect(startError({ ...valid, PROCESS_ROLE: role })).toMatch(new RegExp(`PROCESS_ROLE=${role} needs REDIS_URL.*only through Redis`));
    expect(resolveConfig(parseEnv({ ...valid, PROCESS_ROLE: 'worker', REDIS_URL: 'redis://127.0.0.1:6379' })).PROCESS_ROLE).toBe('worker');
    expect(resolveConfig(parseEnv(valid)).PROCESS_ROLE).toBe('all');
    expect(startError({ ...valid, PROCESS_ROLE: 'both' })).toMatch(/PROCESS_ROLE/);
  });

  test('an empty variable counts as unset', () => {
    expect(startError({ DATABASE_URL: DB, AUTH_JWT_SECRET: '', TOKEN_ENCRYPTION_KEYS: KEY_32 })).toMatch(/AUTH_JWT_SECRET is required/);
  });

  test('a variable that is set wins over a generated secret', () => {
    const generated = { AUTH_JWT_SECRET: 'generated-secret-generated-secret-0000', TOKEN_ENCRYPTION_KEYS: [KEY_32_B] };
    const config = resolveConfig(parseEnv({ AUTH_JWT_SECRET: SECRET, TOKEN_ENCRYPTION_KEYS: `${KEY_32}, ${KEY_32_B}` }), generated);
    expect(config.AUTH_JWT_SECRET).toBe(SECRET);
    expect(config.TOKEN_ENCRYPTION_KEYS).toEqual([KEY_32, KEY_32_B]);
  });

  test('generated secrets fill in what is not set', () => {
    const generated = { AUTH_JWT_SECRET: 'generated-secret-generated-secret-0000', TOKEN_ENCRYPTION_KEYS: [KEY_32_B] };
    const config = resolveConfig(parseEnv({ TOKEN_ENCRYPTION_KEYS: KEY_32 }), generated);
    expect(config.AUTH_JWT_SECRET).toBe(generated.AUTH_JWT_SECRET);
    expect(config.TOKEN_ENCRYPTION_KEYS).toEqual([KEY_32]);
  });

  test('PUBLIC_URL defaults to http://localhost:PORT and follows the port actually bound', () => {
    const raw = parseEnv({ ...valid, PORT: '5123' });
    const config = resolveConfig(raw);
    expect(config.PUBLIC_URL).toBe('http://localhost:5123');
    expect(config.publicUrlExplicit).toBe(false);
    expect(resolveConfig(parseEnv(valid)).PUBLIC_URL).toBe('http://localhost:4000');
    expect(resolveConfig(raw, {}, 6001).PUBLIC_URL).toBe('http://localhost:6001');
  });

  test('an explicit PUBLIC_URL is kept (without a trailing slash)', () => {
    const config = resolveConfig(parseEnv({ ...valid, PORT: '5123', PUBLIC_URL: 'https://cal.example.com/' }));
    expect(config.PUBLIC_URL).toBe('https://cal.example.com');
    expect(config.publicUrlExplicit).toBe(true);
  });

  test('numbers are read from strings', () => {
    const config = resolveConfig(parseEnv({ ...valid, PORT: '8080', QUERY_MAX_DEPTH: '9' }));
    expect(config.PORT).toBe(8080);
    expect(config.QUERY_MAX_DEPTH).toBe(9);
  });
});

describe('bearer tokens', () => {
  test('a user token and the service token verify with their claims', () => {
    const user = verifyToken(SECRET, signUserToken(SECRET, 'user-1'));
    expect(user).toEqual({ sub: 'user-1', scope: undefined, exp: expect.any(Number) });
    // exp is read so that sockets can be closed when the token expires.
    expect(Math.abs(user!.exp! - (Date.now() / 1000 + 30 * 86_400))).toBeLessThan(5);
    expect(verifyToken(SECRET, signServiceToken(SECRET))).toEqual({ sub: 'service', scope: 'provisioning', exp: expect.any(Number) });
  });

  test('an expired token is rejected', () => {
    const expired = jwt.sign({ exp: Math.floor(Date.now() / 1000) - 60 }, SECRET, { algorithm: 'HS256', subject: 'user-1' });
    expect(verifyToken(SECRET, expired)).toBeNull();
  });

  test('a token signed with another secret is rejected', () => {
    expect(verifyToken(SECRET, signUserToken('another-secret-another-secret-0000000', 'user-1'))).toBeNull();
  });

  test('a tampered payload is rejected', () => {
    const [header, , signature] = signUserToken(SECRET, 'user-1').split('.');
    const payload = Buffer.from(JSON.stringify({ sub: 'service', scope: 'provisioning' })).toString('base64url');
    expect(verifyToken(SECRET, `${header}.${payload}.${signature}`)).toBeNull();
  });

  test('an unsigned (alg "none") token is rejected', () => {
    const unsigned = jwt.sign({ sub: 'service', scope: 'provisioning' }, '', { algorithm: 'none' });
    expect(verifyToken(SECRET, unsigned)).toBeNull();
  });

  test('a token of another algorithm is rejected', () => {
    const hs512 = jwt.sign({}, SECRET, { algorithm: 'HS512', subject: 'user-1' });
    expect(verifyToken(SECRET, hs512)).toBeNull();
  });

  test('a token without a subject is rejected', () => {
    expect(verifyToken(SECRET, jwt.sign({ scope: 'provisioning' }, SECRET, { algorithm: 'HS256' }))).toBeNull();
  });

  test('garbage is rejected', () => {
    expect(verifyToken(SECRET, 'not.a.jwt')).toBeNull();
    expect(verifyToken(SECRET, '')).toBeNull();
  });

  test.each([
    ['Bearer x', 'x'],
    ['bearer x', 'x'],
    ['BEARER   x  ', 'x'],
    ['x', 'x'],
    ['  x ', 'x'],
  ])('the Authorization value %j yields the token %j', (value, token) => {
    expect(extractBearer(value)).toBe(token);
  });

  test.each([[''], ['   '], ['Bearer '], [undefined], [null], [42]])('the Authorization value %j yields no token', (value) => {
    expect(extractBearer(value)).toBeNull();
  });
});
