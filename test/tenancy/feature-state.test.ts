import { DomainError } from '../../src/app/errors/domain.error';
import { availabilityIn, isFeatureAvailable } from '../../src/connections/feature-availability';
import { featureState } from '../../src/tenancy/plan-gate';
import { Feature, UserType } from '../../src/tenancy/tenancy.enums';
import { SetLocationFeatureDocument, SetPlanFeaturesDocument } from '../generated/graphql';
import { insertAgency, insertLocation, insertUser } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

// Plan availability is decided in one place (featureState): gating a new connection and keeping push on an
// existing one must agree for every plan × location switch, and the bulk read stays one query.

const { OUTLOOK_CALENDAR: OUTLOOK, GOOGLE_CALENDAR: GOOGLE } = Feature;
const BOTH = [OUTLOOK, GOOGLE];

describe('featureState (pure)', () => {
  test.each([
    [BOTH, [], 'ENABLED'],
    [BOTH, [OUTLOOK], 'LOCATION_DISABLED'],
    [[GOOGLE], [], 'NOT_IN_PLAN'],
    // The plan is checked before the location switch.
    [[GOOGLE], [OUTLOOK], 'NOT_IN_PLAN'],
    [[], [], 'NOT_IN_PLAN'],
  ] as const)('Outlook with plan %j, switched off %j → %s', (plan, disabled, expected) => {
    expect(featureState(OUTLOOK, plan, disabled)).toBe(expected);
  });
});

describe('gating and connection availability agree (PostgreSQL)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.stop());
  afterEach(async () => {
    await t.gql(SetPlanFeaturesDocument, { plan: 'STARTER', features: BOTH }, t.serviceToken);
  });

  /** A connection row as completeConnection leaves it (no provider involved here). */
  async function connection(agencyId: string, locationId: string, userId: string, provider: 'OUTLOOK' | 'GOOGLE'): Promise<string> {
    const ds = t.app.ds;
    const external = `${provider}-${userId}`;
    await ds.query(`INSERT INTO provider_accounts (provider, external_id, user_id) VALUES ($1, $2, $3)`, [provider, external, userId]);
    const [{ id }] = await ds.query(
      `INSERT INTO connections (agency_id, location_id, user_id, provider, account_external_id, account_email, credentials)
       VALUES ($1, $2, $3, $4, $5, 'someone@example.test', 'sealed') RETURNING id`,
      [agencyId, locationId, userId, provider, external],
    );
    return id;
  }

  async function gated(agencyId: string, locationId: string, feature: Feature): Promise<string | null> {
    try {
      await t.app.services.planGate.assertAvailable({ userType: UserType.ACCOUNT, agencyId, locationId }, feature);
      return null;
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      return err.code;
    }
  }

  test('for every plan and location switch, a connection is available exactly when a new one would be allowed', async () => {
    const ds = t.app.ds;
    const agencyId = await insertAgency(ds, 'STARTER');
    const open = await insertLocation(ds, agencyId);
    const switchedOff = await insertLocation(ds, agencyId);
    const conns: Array<{ id: string; loc: string; feature: Feature }> = [];
    for (const loc of [open, switchedOff]) {
      const user = await insertUser(ds, agencyId, 'ACCOUNT', 'USER', [loc]);
      conns.push({ id: await connection(agencyId, loc, user, 'OUTLOOK'), loc, feature: OUTLOOK });
      conns.push({ id: await connection(agencyId, loc, user, 'GOOGLE'), loc, feature: GOOGLE });
    }
    await t.gql(SetLocationFeatureDocument, { locationId: switchedOff, feature: OUTLOOK, enabled: false }, t.serviceToken);

    for (const planFeatures of [BOTH, [GOOGLE], [OUTLOOK], []]) {
      await t.gql(SetPlanFeaturesDocument, { plan: 'STARTER', features: planFeatures }, t.serviceToken);
      // The feature re-evaluation the change enqueued runs first (its statements are not the read's).
      await t.app.whenIdle();
      t.sql.reset();
      const all = new Map((await availabilityIn(ds, { agencyId })).map((r) => [r.id, r.available]));
      // The whole scope in one statement, however many connections it holds.
      expect(t.sql.count).toBe(1);
      expect(all.size).toBe(conns.length);
      for (const c of conns) {
        const allowed = (await gated(agencyId, c.loc, c.feature)) === null;
        expect({ planFeatures, ...c, available: all.get(c.id) }).toEqual({ planFeatures, ...c, available: allowed });
        expect(await isFeatureAvailable(ds, c.id)).toBe(allowed);
      }
    }
  });
});
