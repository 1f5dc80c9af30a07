import { createHash } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { verifierBinding } from '../../src/connections/oauth-state.service';
import { TokenCipher } from '../../src/connections/token-cipher';
import { Feature, PlanCode, Provider, SetLocationFeatureDocument, SetPlanFeaturesDocument, StartConnectionDocument } from '../generated/graphql';
import { uniqueEmail } from '../support/connect-flow';
import { useEmulatedService } from '../support/emulated-service';
import { insertAgency, insertLocation, insertUser } from '../support/fixtures';
import { codeOf, GqlResult, TEST_JWT_SECRET, TEST_TOKEN_KEY } from '../support/test-app';

// startConnection: the authorization URL (PKCE S256, redirect from PUBLIC_URL, signed state), who may
// start, and plan gating on startConnection and completeConnection (PRODUCT.md "Plan gating").

const PUBLIC_URL = 'https://calbridge.example.test';
const BOTH: Feature[] = ['OUTLOOK_CALENDAR', 'GOOGLE_CALENDAR'];
const PLANS: PlanCode[] = ['STARTER', 'FREELANCER', 'AGENCY_PRO'];
const NOT_ENABLED = {
  OUTLOOK: 'Outlook Integration is not enabled for your account. Please contact the administrator.',
  GOOGLE: 'Google Calendar Integration is not enabled for your account. Please contact the administrator.',
} as const;
const FEATURE: Record<Provider, Feature> = { OUTLOOK: 'OUTLOOK_CALENDAR', GOOGLE: 'GOOGLE_CALENDAR' };

describe('startConnection', () => {
  // An explicit PUBLIC_URL: redirect URIs must be built from it, not from the bound port.
  const s = useEmulatedService({ env: { PUBLIC_URL } });

  /** A Starter agency with one location and its people (the catalogue is changed per test). */
  async function tenant() {
    const ds = s.t.app.ds;
    const agencyId = await insertAgency(ds, 'STARTER');
    const loc = await insertLocation(ds, agencyId);
    const other = await insertLocation(ds, agencyId);
    return {
      agencyId,
      loc,
      other,
      agencyAdmin: await insertUser(ds, agencyId, 'AGENCY', 'ADMIN'),
      agencyUser: await insertUser(ds, agencyId, 'AGENCY', 'USER', [loc]),
      accountUser: await insertUser(ds, agencyId, 'ACCOUNT', 'USER', [loc]),
      accountAdmin: await insertUser(ds, agencyId, 'ACCOUNT', 'ADMIN', [loc]),
      outsider: await insertUser(ds, agencyId, 'ACCOUNT', 'USER', [other]),
    };
  }

  async function setPlan(plan: PlanCode, features: Feature[]) {
    const r = await s.t.gql(SetPlanFeaturesDocument, { plan, features }, s.t.serviceToken);
    expect(r.errors).toBeUndefined();
  }

  // The catalogue is global to this file's database: every test leaves it as the default.
  afterEach(async () => {
    for (const plan of PLANS) await setPlan(plan, BOTH);
  });

  const errorOf = (r: GqlResult<unknown>) => ({ code: codeOf(r), message: r.errors?.[0]?.message, reason: r.errors?.[0]?.extensions?.reason });

  test.each<Provider>(['OUTLOOK', 'GOOGLE'])('%s: authorization URL with PKCE S256, redirect_uri from PUBLIC_URL, and a signed state bound to user, location, provider', async (provider) => {
    const w = await tenant();
    const hint = uniqueEmail('hint');
    const r = await s.flow.start(w.accountUser, w.loc, provider, hint);
    expect(r.errors).toBeUndefined();
    const { authorizationUrl, state } = r.data!.startConnection;
    const url = new URL(authorizationUrl);
    const q = url.searchParams;

    if (provider === 'OUTLOOK') {
      expect(`${url.origin}${url.pathname}`).toBe(`${s.emu.microsoft.origin}/common/oauth2/v2.0/authorize`);
      expect(q.get('client_id')).toBe('calbridge-test');
      expect(q.get('scope')!.split(' ')).toEqual(expect.arrayContaining(['openid', 'offline_access', 'User.Read', 'Calendars.ReadWrite', 'Calendars.ReadWrite.Shared']));
    } else {
      expect(`${url.origin}${url.pathname}`).toBe(s.emu.google.authUrl);
      expect(q.get('client_id')).toBe('calbridge-test.apps.googleusercontent.com');
      expect(q.get('access_type')).toBe('offline');
      expect(q.get('scope')!.split(' ')).toEqual(expect.arrayContaining(['openid', 'email', 'https://www.googleapis.com/auth/calendar']));
    }
    expect(q.get('response_type')).toBe('code');
    expect(q.get('redirect_uri')).toBe(`${PUBLIC_URL}/oauth/${provider.toLowerCase()}/callback`);
    expect(q.get('state')).toBe(state);
    expect(q.get('login_hint')).toBe(hint);
    expect(q.get('code_challenge_method')).toBe('S256');
    const challenge = q.get('code_challenge')!;
    expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // The state is signed by the service and names user, location and provider.
    const claims = jwt.verify(state, TEST_JWT_SECRET) as Record<string, unknown>;
    expect(claims).toMatchObject({ u: w.accountUser, l: w.loc, p: provider });
    expect((claims.exp as number) - (claims.iat as number)).toBe(600);

    // The verifier stays on the server (encrypted), and the challenge is its S256.
    const rows: Array<{ code_verifier: string; user_id: string; location_id: string; provider: string; used_at: Date | null }> = await s.t.app.ds.query(
      `SELECT code_verifier, user_id, location_id, provider, used_at FROM oauth_states WHERE user_id = $1`,
      [w.accountUser],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ user_id: w.accountUser, location_id: w.loc, provider, used_at: null });
    const verifier = new TokenCipher([TEST_TOKEN_KEY]).decrypt(rows[0].code_verifier, verifierBinding((jwt.decode(state) as { n: string }).n));
    expect(rows[0].code_verifier).not.toContain(verifier);
    expect(createHash('sha256').update(verifier).digest('base64url')).toBe(challenge);
  });

  test('without a login hint the provider shows its account picker', async () => {
    const w = await tenant();
    const r = await s.flow.start(w.accountUser, w.loc, 'OUTLOOK');
    expect(r.errors).toBeUndefined();
    expect(new URL(r.data!.startConnection.authorizationUrl).searchParams.get('login_hint')).toBeNull();
  });

  test('only a signed-in member of the location can start, for themselves', async () => {
    const w = await tenant();
    // Not signed in.
    expect(codeOf(await s.t.gql(StartConnectionDocument, { locationId: w.loc, provider: 'OUTLOOK' }, null))).toBe('UNAUTHENTICATED');
    // A user of another location does not even see this one.
    expect(codeOf(await s.flow.start(w.outsider, w.loc, 'OUTLOOK'))).toBe('NOT_FOUND');
    // An unknown or malformed location id.
    expect(codeOf(await s.flow.start(w.accountUser, '00000000-0000-4000-8000-000000000000', 'OUTLOOK'))).toBe('NOT_FOUND');
    expect(codeOf(await s.flow.start(w.accountUser, 'not-a-uuid', 'GOOGLE'))).toBe('NOT_FOUND');
    // The agency admin counts as a member of every location of their agency, without being added to it.
    expect((await s.flow.start(w.agencyAdmin, w.loc, 'OUTLOOK')).errors).toBeUndefined();
    // The service token is nobody: it cannot connect for anyone.
    expect(codeOf(await s.t.gql(StartConnectionDocument, { locationId: w.loc, provider: 'GOOGLE' }, s.t.serviceToken))).toBe('FORBIDDEN');
    // Members of every kind can.
    for (const user of [w.accountUser, w.accountAdmin, w.agencyUser]) {
      const r = await s.flow.start(user, w.loc, 'GOOGLE');
      expect(r.errors).toBeUndefined();
    }
    const [{ n }] = await s.t.app.ds.query(`SELECT count(*)::int AS n FROM oauth_states WHERE location_id = $1`, [w.loc]);
    expect(n).toBe(4);
  });

  describe('plan gating', () => {
    test.each<Provider>(['OUTLOOK', 'GOOGLE'])('%s: plan lacks the feature → FEATURE_NOT_IN_PLAN naming the plans for agency users, FEATURE_NOT_ENABLED for account users', async (provider) => {
      const w = await tenant();
      const feature = FEATURE[provider];
      const others = BOTH.filter((f) => f !== feature);
      await setPlan('STARTER', others);

      expect(errorOf(await s.flow.start(w.agencyUser, w.loc, provider))).toEqual({
        code: 'FEATURE_NOT_IN_PLAN',
        message: 'Oops.. this feature is supported in the Freelancer and Agency Pro Plans',
        reason: undefined,
      });
      expect(errorOf(await s.flow.start(w.accountUser, w.loc, provider))).toEqual({ code: 'FEATURE_NOT_ENABLED', message: NOT_ENABLED[provider], reason: undefined });
      expect(errorOf(await s.flow.start(w.accountAdmin, w.loc, provider))).toEqual({ code: 'FEATURE_NOT_ENABLED', message: NOT_ENABLED[provider], reason: undefined });

      // One plan left with the feature, then none.
      await setPlan('FREELANCER', others);
      expect(errorOf(await s.flow.start(w.agencyUser, w.loc, provider)).message).toBe('Oops.. this feature is supported in the Agency Pro Plan');
      await setPlan('AGENCY_PRO', others);
      expect(errorOf(await s.flow.start(w.agencyUser, w.loc, provider)).message).toBe('Oops.. this feature is not available on any plan');

      // The other provider is unaffected, and nothing was issued for the refused attempts.
      const [{ n }] = await s.t.app.ds.query(`SELECT count(*)::int AS n FROM oauth_states WHERE location_id = $1`, [w.loc]);
      expect(n).toBe(0);
      const other: Provider = provider === 'OUTLOOK' ? 'GOOGLE' : 'OUTLOOK';
      expect((await s.flow.start(w.accountUser, w.loc, other)).errors).toBeUndefined();
    });

    test('location switch off → FEATURE_NOT_ENABLED with reason LOCATION_DISABLED for everyone; the plan is checked first', async () => {
      const w = await tenant();
      const off = await s.t.gql(SetLocationFeatureDocument, { locationId: w.loc, feature: 'OUTLOOK_CALENDAR', enabled: false }, s.t.tokenFor(w.agencyAdmin));
      expect(off.errors).toBeUndefined();
      for (const user of [w.agencyUser, w.accountUser, w.accountAdmin]) {
        expect(errorOf(await s.flow.start(user, w.loc, 'OUTLOOK'))).toEqual({ code: 'FEATURE_NOT_ENABLED', message: NOT_ENABLED.OUTLOOK, reason: 'LOCATION_DISABLED' });
      }
      expect((await s.flow.start(w.accountUser, w.loc, 'GOOGLE')).errors).toBeUndefined();
      // Plan before switch: an agency user is told about plans even though the location switched it off too.
      await setPlan('STARTER', ['GOOGLE_CALENDAR']);
      expect(errorOf(await s.flow.start(w.agencyUser, w.loc, 'OUTLOOK')).code).toBe('FEATURE_NOT_IN_PLAN');
    });

    test.each<Provider>(['OUTLOOK', 'GOOGLE'])('%s: completeConnection is gated on the provider of the verified state', async (provider) => {
      const w = await tenant();
      const feature = FEATURE[provider];
      const email = provider === 'OUTLOOK' ? uniqueEmail('gate', 'contoso-gate.test') : uniqueEmail('gate');
      if (provider === 'OUTLOOK') s.emu.microsoft.addAccount({ email });
      else s.emu.google.addAccount({ email });

      // Started while allowed; the plan loses the feature before the user comes back.
      const byAgencyUser = await s.flow.authorize(w.agencyUser, w.loc, provider, email);
      const byAccountUser = await s.flow.authorize(w.accountUser, w.loc, provider, email);
      await setPlan('STARTER', BOTH.filter((f) => f !== feature));
      expect(errorOf(await s.flow.complete(w.agencyUser, byAgencyUser.state, byAgencyUser.code))).toEqual({
        code: 'FEATURE_NOT_IN_PLAN',
        message: 'Oops.. this feature is supported in the Freelancer and Agency Pro Plans',
        reason: undefined,
      });
      expect(errorOf(await s.flow.complete(w.accountUser, byAccountUser.state, byAccountUser.code))).toEqual({ code: 'FEATURE_NOT_ENABLED', message: NOT_ENABLED[provider], reason: undefined });

      // Plan restored, location switched off.
      await setPlan('STARTER', BOTH);
      const again = await s.flow.authorize(w.accountUser, w.loc, provider, email);
      await s.t.gql(SetLocationFeatureDocument, { locationId: w.loc, feature, enabled: false }, s.t.tokenFor(w.agencyAdmin));
      expect(errorOf(await s.flow.complete(w.accountUser, again.state, again.code))).toEqual({ code: 'FEATURE_NOT_ENABLED', message: NOT_ENABLED[provider], reason: 'LOCATION_DISABLED' });

      const [{ n }] = await s.t.app.ds.query(`SELECT count(*)::int AS n FROM connections WHERE location_id = $1`, [w.loc]);
      expect(n).toBe(0);
    });
  });
});
