import { loadViewer } from '../../src/app/auth/viewer.loader';
import { Viewer } from '../../src/app/auth/viewer';
import { AccessService } from '../../src/app/auth/access.service';
import { DomainError } from '../../src/app/errors/domain.error';
import { insertAgency, insertLocation, insertUser } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

// The AccessService's bulk checks against PostgreSQL: connections, target users and membership, each checked
// for many ids with one query, with the product's codes (NOT_FOUND, FORBIDDEN, BAD_USER_INPUT naming the field).

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('AccessService bulk checks', () => {
  let t: TestApp;
  let access: AccessService;
  beforeAll(async () => {
    t = await startTestApp();
    access = t.app.services.access;
  });
  afterAll(() => t.stop());

  const ds = () => t.app.ds;
  const viewer = async (id: string) => (await loadViewer(ds(), { sub: id }))!;
  const service: Viewer = { kind: 'service' };

  /** The error a check throws: its code and field, or null when it passes. */
  async function refusal(check: () => Promise<unknown>): Promise<{ code: string; field?: unknown } | null> {
    try {
      await check();
      return null;
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      return err.extensions.field === undefined ? { code: err.code } : { code: err.code, field: err.extensions.field };
    }
  }

  /** Statements the check ran. */
  async function queries(check: () => Promise<unknown>): Promise<number> {
    t.sql.reset();
    await check();
    return t.sql.count;
  }

  async function tenant() {
    const agencyId = await insertAgency(ds());
    const locA = await insertLocation(ds(), agencyId);
    const locB = await insertLocation(ds(), agencyId);
    const otherAgency = await insertAgency(ds());
    const otherLoc = await insertLocation(ds(), otherAgency);
    const w = {
      agencyId,
      locA: { id: locA, agencyId },
      locB: { id: locB, agencyId },
      agencyAdmin: await insertUser(ds(), agencyId, 'AGENCY', 'ADMIN'),
      accountAdminA: await insertUser(ds(), agencyId, 'ACCOUNT', 'ADMIN', [locA]),
      userA: await insertUser(ds(), agencyId, 'ACCOUNT', 'USER', [locA]),
      userA2: await insertUser(ds(), agencyId, 'ACCOUNT', 'USER', [locA]),
      userB: await insertUser(ds(), agencyId, 'ACCOUNT', 'USER', [locB]),
      userAB: await insertUser(ds(), agencyId, 'ACCOUNT', 'USER', [locA, locB]),
      stranger: await insertUser(ds(), otherAgency, 'AGENCY', 'ADMIN'),
      strangerUser: await insertUser(ds(), otherAgency, 'ACCOUNT', 'USER', [otherLoc]),
    };
    return w;
  }

  async function connection(userId: string, loc: { id: string; agencyId: string }, provider: 'OUTLOOK' | 'GOOGLE' = 'GOOGLE'): Promise<string> {
    const external = `${provider}-${userId}-${loc.id}`;
    await ds().query(`INSERT INTO provider_accounts (provider, external_id, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [provider, external, userId]);
    const [{ id }] = await ds().query(
      `INSERT INTO connections (agency_id, location_id, user_id, provider, account_external_id, account_email, credentials)
       VALUES ($1, $2, $3, $4, $5, 'someone@example.test', 'sealed') RETURNING id`,
      [loc.agencyId, loc.id, userId, provider, external],
    );
    return id;
  }

  describe('requireConnections: the viewer’s own, or in a location they manage', () => {
    test('who may act on which connection; anything else is NOT_FOUND', async () => {
      const w = await tenant();
      const ofA = await connection(w.userA, w.locA);
      const ofB = await connection(w.userB, w.locB);
      const owner = await viewer(w.userA);

      expect([...(await access.requireConnections(owner, [ofA])).keys()]).toEqual([ofA]);
      for (const manager of [await viewer(w.accountAdminA), await viewer(w.agencyAdmin), service]) expect((await access.requireConnection(manager, ofA)).userId).toBe(w.userA);
      // A colleague, an admin of another location, another agency's admin: not found, never forbidden.
      for (const other of [w.userA2, w.userB, w.stranger]) expect(await refusal(async () => access.requireConnection(await viewer(other), ofA))).toEqual({ code: 'NOT_FOUND' });
      expect(await refusal(() => access.requireConnection(owner, UNKNOWN))).toEqual({ code: 'NOT_FOUND' });
      expect(await refusal(() => access.requireConnection(owner, 'not-a-uuid'))).toEqual({ code: 'NOT_FOUND' });
      // One id out of reach spoils the batch.
      expect(await refusal(() => access.requireConnections(owner, [ofA, ofB]))).toEqual({ code: 'NOT_FOUND' });
    });

    test('many ids, one query', async () => {
      const w = await tenant();
      const ids: string[] = [];
      for (const loc of [w.locA, w.locB]) for (const provider of ['OUTLOOK', 'GOOGLE'] as const) ids.push(await connection(w.userAB, loc, provider));
      const admin = await viewer(w.agencyAdmin);
      expect(await queries(async () => expect((await access.requireConnections(admin, ids)).size).toBe(4))).toBe(1);
    });
  });

  describe('requireTargetUser: the viewer by default; another user must be visible and the viewer must manage the location', () => {
    const rule = { forbidden: 'not yours' };
    const member = { forbidden: 'not yours', member: true };

    test('defaults to the viewer; the service token must name someone', async () => {
      const w = await tenant();
      expect(await access.requireTargetUser(await viewer(w.userA), w.locA, undefined, rule)).toBe(w.userA);
      expect(await access.requireTargetUser(await viewer(w.userA), w.locA, null, member)).toBe(w.userA);
      expect(await refusal(() => access.requireTargetUser(service, w.locA, undefined, rule))).toEqual({ code: 'BAD_USER_INPUT', field: 'userId' });
      expect(await access.requireTargetUser(service, w.locA, w.userA, member)).toBe(w.userA);
    });

    test('in order: invisible → BAD_USER_INPUT, not managed → FORBIDDEN, not a member → BAD_USER_INPUT', async () => {
      const w = await tenant();
      const userA = await viewer(w.userA);
      const adminA = await viewer(w.accountAdminA);
      const agencyAdmin = await viewer(w.agencyAdmin);
      // Someone they cannot see (another location only, another agency, nobody).
      for (const id of [w.userB, w.strangerUser, UNKNOWN]) expect(await refusal(() => access.requireTargetUser(adminA, w.locA, id, rule))).toEqual({ code: 'BAD_USER_INPUT', field: 'userId' });
      // A visible colleague, but the viewer manages nothing.
      expect(await refusal(() => access.requireTargetUser(userA, w.locA, w.userA2, rule))).toEqual({ code: 'FORBIDDEN' });
      expect(await access.requireTargetUser(adminA, w.locA, w.userA2, rule)).toBe(w.userA2);
      // Membership only where the rule asks for it: userB is visible to the agency admin but not a member of A.
      expect(await access.requireTargetUser(agencyAdmin, w.locA, w.userB, rule)).toBe(w.userB);
      expect(await refusal(() => access.requireTargetUser(agencyAdmin, w.locA, w.userB, member))).toEqual({ code: 'BAD_USER_INPUT', field: 'userId' });
      // The agency admin is a member of A without being added to it, for themselves and for their admins' purposes.
      expect(await access.requireTargetUser(agencyAdmin, w.locA, undefined, member)).toBe(w.agencyAdmin);
      expect(await access.requireTargetUser(service, w.locA, w.agencyAdmin, member)).toBe(w.agencyAdmin);
      // A deactivated user is no member any more.
      await ds().query(`UPDATE users SET active = false WHERE id = $1`, [w.userA2]);
      expect(await refusal(() => access.requireTargetUser(adminA, w.locA, w.userA2, member))).toEqual({ code: 'BAD_USER_INPUT', field: 'userId' });
    });

    test('many ids, one query', async () => {
      const w = await tenant();
      const admin = await viewer(w.agencyAdmin);
      const ids = [w.userA, w.userA2, w.userAB, w.accountAdminA, w.agencyAdmin];
      expect(await queries(() => access.requireTargetUsers(admin, w.locA, ids, member))).toBe(1);
      // One outsider among them: refused, still with one query.
      expect(await queries(async () => expect(await refusal(() => access.requireTargetUsers(admin, w.locA, [...ids, w.userB], member))).toEqual({ code: 'BAD_USER_INPUT', field: 'userId' }))).toBe(1);
      // Only the viewer: nothing to read.
      expect(await queries(() => access.requireTargetUsers(admin, w.locA, [w.agencyAdmin], member))).toBe(0);
    });
  });

  describe('activeMembers / requireActiveMembers', () => {
    test('members added to the location and every agency admin of its agency, if active; one query for all', async () => {
      const w = await tenant();
      const gone = await insertUser(ds(), w.agencyId, 'ACCOUNT', 'USER', [w.locA.id]);
      await ds().query(`UPDATE users SET active = false WHERE id = $1`, [gone]);
      const asked = [w.userA, w.userAB, w.accountAdminA, w.agencyAdmin, w.userB, w.stranger, w.strangerUser, gone, UNKNOWN, 'not-a-uuid'];
      let members: string[] = [];
      expect(await queries(async () => (members = [...(await access.activeMembers(w.locA, asked)).keys()]))).toBe(1);
      expect(members.sort()).toEqual([w.userA, w.userAB, w.accountAdminA, w.agencyAdmin].sort());

      expect(await refusal(() => access.requireActiveMembers(w.locA, [w.userA, w.userB], 'teamMemberIds', (id) => `no member ${id}`))).toEqual({ code: 'BAD_USER_INPUT', field: 'teamMemberIds' });
      expect((await access.requireActiveMembers(w.locB, [w.userB, w.agencyAdmin], 'teamMemberIds', (id) => `no member ${id}`)).size).toBe(2);
    });

    test('requireVisibleMembers: members the viewer can also see, in one query', async () => {
      const w = await tenant();
      const userA = await viewer(w.userA);
      const msg = (id: string) => `no member ${id} you can see`;
      expect(await queries(async () => expect((await access.requireVisibleMembers(userA, w.locA, [w.userA, w.userA2, w.userAB, w.accountAdminA], 'userId', msg)).size).toBe(4))).toBe(1);
      // A member of location B only: invisible to userA and not a member of A either.
      expect(await refusal(() => access.requireVisibleMembers(userA, w.locA, [w.userB], 'userId', msg))).toEqual({ code: 'BAD_USER_INPUT', field: 'userId' });
      // Visible to the agency admin, but not a member of A.
      expect(await refusal(async () => access.requireVisibleMembers(await viewer(w.agencyAdmin), w.locA, [w.userB], 'userId', msg))).toEqual({ code: 'BAD_USER_INPUT', field: 'userId' });
      // The agency admin is a member of B without a row, and sees themselves.
      expect((await access.requireVisibleMembers(await viewer(w.agencyAdmin), w.locB, [w.agencyAdmin], 'userId', msg)).has(w.agencyAdmin)).toBe(true);
    });

    test('requireLocation "member": the viewer must be a member themselves (the service token is nobody)', async () => {
      const w = await tenant();
      expect((await access.requireLocation(await viewer(w.agencyAdmin), w.locB.id, 'member')).id).toBe(w.locB.id);
      expect((await access.requireLocation(await viewer(w.userA), w.locA.id, 'member')).id).toBe(w.locA.id);
      expect(await refusal(() => access.requireLocation(service, w.locA.id, 'member'))).toEqual({ code: 'FORBIDDEN' });
      expect(await refusal(async () => access.requireLocation(await viewer(w.userA), w.locB.id, 'member'))).toEqual({ code: 'NOT_FOUND' });
      expect(await refusal(async () => access.requireLocation(await viewer(w.stranger), w.locA.id, 'member'))).toEqual({ code: 'NOT_FOUND' });
    });
  });
});
