import { loadViewer } from '../../src/app/auth/viewer.loader';
import { UserViewer } from '../../src/app/auth/viewer';
import { DomainError } from '../../src/app/errors/domain.error';
import { assertFeatureAvailable, enabledFeatures, GateInput } from '../../src/tenancy/plan-gate';
import { Feature, UserType } from '../../src/tenancy/tenancy.enums';
import { SetAgencyPlanDocument, SetLocationFeatureDocument, SetPlanFeaturesDocument } from '../generated/graphql';
import { insertAgency, insertLocation, insertUser } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

const { OUTLOOK_CALENDAR: OUTLOOK, GOOGLE_CALENDAR: GOOGLE } = Feature;
const BOTH = [OUTLOOK, GOOGLE];

const ACCOUNT_MSG: Record<Feature, string> = {
  [OUTLOOK]: 'Outlook Integration is not enabled for your account. Please contact the administrator.',
  [GOOGLE]: 'Google Calendar Integration is not enabled for your account. Please contact the administrator.',
};

const plan = (name: string, monthlyPriceUsd: number, features: Feature[]) => ({ name, monthlyPriceUsd, features });

/** Runs the gate and returns the error it threw (null when the feature is available). */
function gate(input: GateInput): { code: string; message: string; extensions: Record<string, unknown> } | null {
  try {
    assertFeatureAvailable(input);
    return null;
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    return { code: err.code, message: err.message, extensions: err.extensions };
  }
}

describe('plan gate (pure rules)', () => {
  // The agency is on Starter; whether Starter has the feature varies. Freelancer and Agency Pro always have both.
  const catalogWhereStarterHas = (has: boolean, feature: Feature) => [
    plan('Starter', 97, has ? BOTH : BOTH.filter((f) => f !== feature)),
    plan('Freelancer', 297, BOTH),
    plan('Agency Pro', 497, BOTH),
  ];

  type Row = [Feature, UserType, boolean, boolean, { code: string; message: string; reason?: string } | null];
  const rows: Row[] = [];
  for (const feature of BOTH) {
    for (const viewerType of [UserType.AGENCY, UserType.ACCOUNT]) {
      for (const planHas of [true, false]) {
        for (const locationOff of [false, true]) {
          let expected: Row[4];
          if (!planHas && viewerType === UserType.AGENCY) {
            // Plan first: an agency user is told which plans to upgrade to, even when the location also switched it off.
            expected = { code: 'FEATURE_NOT_IN_PLAN', message: 'Oops.. this feature is supported in the Freelancer and Agency Pro Plans' };
          } else if (!planHas) {
            expected = { code: 'FEATURE_NOT_ENABLED', message: ACCOUNT_MSG[feature] };
          } else if (locationOff) {
            expected = { code: 'FEATURE_NOT_ENABLED', message: ACCOUNT_MSG[feature], reason: 'LOCATION_DISABLED' };
          } else {
            expected = null;
          }
          rows.push([feature, viewerType, planHas, locationOff, expected]);
        }
      }
    }
  }

  test.each(rows)('%s for an %s user, plan has it: %s, switched off at the location: %s', (feature, viewerType, planHas, locationOff, expected) => {
    const catalog = catalogWhereStarterHas(planHas, feature);
    const result = gate({
      feature,
      viewerType,
      planFeatures: catalog[0].features,
      catalog,
      locationDisabled: locationOff ? [feature] : [],
    });
    if (expected === null) {
      expect(result).toBeNull();
      return;
    }
    expect(result).not.toBeNull();
    expect(result!.code).toBe(expected.code);
    expect(result!.message).toBe(expected.message);
    // LOCATION_DISABLED only when the location switch is what refused it.
    expect(result!.extensions.reason).toBe(expected.reason);
  });

  test.each([
    ['no plan has it', [plan('Starter', 97, []), plan('Freelancer', 297, []), plan('Agency Pro', 497, [])], 'Oops.. this feature is not available on any plan'],
    ['one plan has it', [plan('Starter', 97, []), plan('Freelancer', 297, []), plan('Agency Pro', 497, [OUTLOOK])], 'Oops.. this feature is supported in the Agency Pro Plan'],
    ['two plans have it', [plan('Starter', 97, []), plan('Freelancer', 297, [OUTLOOK]), plan('Agency Pro', 497, [OUTLOOK])], 'Oops.. this feature is supported in the Freelancer and Agency Pro Plans'],
    [
      'three plans have it',
      [plan('Starter', 97, [OUTLOOK]), plan('Freelancer', 297, [OUTLOOK]), plan('Agency Pro', 497, [OUTLOOK])],
      'Oops.. this feature is supported in the Starter, Freelancer and Agency Pro Plans',
    ],
    [
      'the catalogue arrives out of price order',
      [plan('Agency Pro', 497, [OUTLOOK]), plan('Starter', 97, [OUTLOOK]), plan('Freelancer', 297, [OUTLOOK])],
      'Oops.. this feature is supported in the Starter, Freelancer and Agency Pro Plans',
    ],
  ])('an agency user on a plan without the feature, when %s, reads the right upgrade message', (_case, catalog, message) => {
    // The agency's own plan lacks the feature (a custom plan outside the catalogue), so only the catalogue decides the message.
    const result = gate({ feature: OUTLOOK, viewerType: UserType.AGENCY, planFeatures: [GOOGLE], catalog, locationDisabled: [] });
    expect(result).toEqual({ code: 'FEATURE_NOT_IN_PLAN', message, extensions: {} });
  });

  test('an account user is never shown plan names, whatever the catalogue', () => {
    const catalog = [plan('Starter', 97, []), plan('Freelancer', 297, [GOOGLE]), plan('Agency Pro', 497, [GOOGLE])];
    const result = gate({ feature: GOOGLE, viewerType: UserType.ACCOUNT, planFeatures: [], catalog, locationDisabled: [] });
    expect(result).toEqual({ code: 'FEATURE_NOT_ENABLED', message: ACCOUNT_MSG[GOOGLE], extensions: {} });
  });

  test('features are gated independently: the missing or switched-off one does not block the other', () => {
    const catalog = [plan('Starter', 97, [GOOGLE])];
    expect(gate({ feature: GOOGLE, viewerType: UserType.AGENCY, planFeatures: [GOOGLE], catalog, locationDisabled: [OUTLOOK] })).toBeNull();
    expect(gate({ feature: OUTLOOK, viewerType: UserType.ACCOUNT, planFeatures: BOTH, catalog, locationDisabled: [GOOGLE] })).toBeNull();
  });

  test.each([
    [BOTH, [], BOTH],
    [BOTH, [OUTLOOK], [GOOGLE]],
    [[GOOGLE, OUTLOOK], [], BOTH], // enum order, whatever order the plan lists them in
    [[GOOGLE], [GOOGLE], []],
    [[], [OUTLOOK], []], // switching off what the plan lacks changes nothing
  ])('enabledFeatures(plan %j minus switched off %j) = %j', (planFeatures, disabled, expected) => {
    expect(enabledFeatures(planFeatures, disabled)).toEqual(expected);
  });
});

describe('PlanGateService against the database', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.stop());
  // The catalogue is shared by the whole database: put the default back after each test.
  afterEach(async () => {
    for (const code of ['STARTER', 'FREELANCER', 'AGENCY_PRO'] as const) {
      await t.gql(SetPlanFeaturesDocument, { plan: code, features: BOTH }, t.serviceToken);
    }
  });

  async function world(planCode = 'STARTER') {
    const ds = t.app.ds;
    const agencyId = await insertAgency(ds, planCode);
    const loc = await insertLocation(ds, agencyId);
    const otherLoc = await insertLocation(ds, agencyId);
    const agencyAdmin = (await loadViewer(ds, { sub: await insertUser(ds, agencyId, 'AGENCY', 'ADMIN') })) as UserViewer;
    const accountUser = (await loadViewer(ds, { sub: await insertUser(ds, agencyId, 'ACCOUNT', 'USER', [loc]) })) as UserViewer;
    return { agencyId, loc, otherLoc, agencyAdmin, accountUser };
  }

  async function gateError(viewer: UserViewer, locationId: string, feature: Feature) {
    try {
      await t.app.services.planGate.assertAvailable({ userType: viewer.user.type, agencyId: viewer.user.agencyId, locationId }, feature);
      return null;
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      return { code: err.code, message: err.message, reason: err.extensions.reason };
    }
  }

  test('the default catalogue gives every plan both features', async () => {
    for (const planCode of ['STARTER', 'FREELANCER', 'AGENCY_PRO']) {
      const w = await world(planCode);
      for (const viewer of [w.agencyAdmin, w.accountUser]) {
        for (const feature of BOTH) expect(await gateError(viewer, w.loc, feature)).toBeNull();
      }
    }
  });

  test('a feature taken out of the agency plan by setPlanFeatures is refused, naming the plans that still have it', async () => {
    const w = await world('STARTER');
    const changed = await t.gql(SetPlanFeaturesDocument, { plan: 'STARTER', features: [GOOGLE] }, t.serviceToken);
    expect(changed.data?.setPlanFeatures).toEqual({ code: 'STARTER', features: [GOOGLE] });

    expect(await gateError(w.agencyAdmin, w.loc, OUTLOOK)).toEqual({
      code: 'FEATURE_NOT_IN_PLAN',
      message: 'Oops.. this feature is supported in the Freelancer and Agency Pro Plans',
      reason: undefined,
    });
    expect(await gateError(w.accountUser, w.loc, OUTLOOK)).toEqual({ code: 'FEATURE_NOT_ENABLED', message: ACCOUNT_MSG[OUTLOOK], reason: undefined });
    expect(await gateError(w.agencyAdmin, w.loc, GOOGLE)).toBeNull();

    // Freelancer loses it too: only one plan is left to name.
    await t.gql(SetPlanFeaturesDocument, { plan: 'FREELANCER', features: [GOOGLE] }, t.serviceToken);
    expect((await gateError(w.agencyAdmin, w.loc, OUTLOOK))?.message).toBe('Oops.. this feature is supported in the Agency Pro Plan');

    await t.gql(SetPlanFeaturesDocument, { plan: 'AGENCY_PRO', features: [GOOGLE] }, t.serviceToken);
    expect((await gateError(w.agencyAdmin, w.loc, OUTLOOK))?.message).toBe('Oops.. this feature is not available on any plan');
  });

  test('moving the agency to a plan that has the feature (setAgencyPlan) opens it again', async () => {
    const w = await world('STARTER');
    await t.gql(SetPlanFeaturesDocument, { plan: 'STARTER', features: [OUTLOOK] }, t.serviceToken);
    expect((await gateError(w.agencyAdmin, w.loc, GOOGLE))?.code).toBe('FEATURE_NOT_IN_PLAN');

    const upgraded = await t.gql(SetAgencyPlanDocument, { agencyId: w.agencyId, plan: 'FREELANCER' }, t.serviceToken);
    expect(upgraded.data?.setAgencyPlan.plan.code).toBe('FREELANCER');
    expect(await gateError(w.agencyAdmin, w.loc, GOOGLE)).toBeNull();
    expect(await gateError(w.accountUser, w.loc, GOOGLE)).toBeNull();

    // And a downgrade closes it.
    await t.gql(SetAgencyPlanDocument, { agencyId: w.agencyId, plan: 'STARTER' }, t.serviceToken);
    expect((await gateError(w.accountUser, w.loc, GOOGLE))?.code).toBe('FEATURE_NOT_ENABLED');
  });

  test('a feature switched off for one location is refused there for everyone with LOCATION_DISABLED, and only there', async () => {
    const w = await world('AGENCY_PRO');
    const agencyAdminToken = t.tokenFor(w.agencyAdmin.user.id);
    const off = await t.gql(SetLocationFeatureDocument, { locationId: w.loc, feature: OUTLOOK, enabled: false }, agencyAdminToken);
    expect(off.data?.setLocationFeature.enabledFeatures).toEqual([GOOGLE]);

    for (const viewer of [w.agencyAdmin, w.accountUser]) {
      expect(await gateError(viewer, w.loc, OUTLOOK)).toEqual({ code: 'FEATURE_NOT_ENABLED', message: ACCOUNT_MSG[OUTLOOK], reason: 'LOCATION_DISABLED' });
      expect(await gateError(viewer, w.loc, GOOGLE)).toBeNull();
    }
    expect(await gateError(w.agencyAdmin, w.otherLoc, OUTLOOK)).toBeNull();

    await t.gql(SetLocationFeatureDocument, { locationId: w.loc, feature: OUTLOOK, enabled: true }, agencyAdminToken);
    expect(await gateError(w.accountUser, w.loc, OUTLOOK)).toBeNull();
  });

  test('the plan is checked before the location switch', async () => {
    const w = await world('STARTER');
    await t.gql(SetLocationFeatureDocument, { locationId: w.loc, feature: OUTLOOK, enabled: false }, t.tokenFor(w.agencyAdmin.user.id));
    await t.gql(SetPlanFeaturesDocument, { plan: 'STARTER', features: [GOOGLE] }, t.serviceToken);
    expect(await gateError(w.agencyAdmin, w.loc, OUTLOOK)).toEqual({
      code: 'FEATURE_NOT_IN_PLAN',
      message: 'Oops.. this feature is supported in the Freelancer and Agency Pro Plans',
      reason: undefined,
    });
    expect(await gateError(w.accountUser, w.loc, OUTLOOK)).toEqual({ code: 'FEATURE_NOT_ENABLED', message: ACCOUNT_MSG[OUTLOOK], reason: undefined });
  });
});
