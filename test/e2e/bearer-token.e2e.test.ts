import jwt from 'jsonwebtoken';
import { ViewerDocument } from '../generated/graphql';
import { buildWorld, World } from '../support/fixtures';
import { startTestApp, TEST_JWT_SECRET, TestApp } from '../support/test-app';

// Over HTTP: a genuinely signed token that never expires, or was issued in the future, is UNAUTHENTICATED,
// and the message tells the caller why.
describe('bearer token lifetime over HTTP', () => {
  let t: TestApp;
  let w: World;

  beforeAll(async () => {
    t = await startTestApp();
    w = await buildWorld(t.app.ds);
  });
  afterAll(() => t?.stop());

  const now = () => Math.floor(Date.now() / 1000);

  it('refuses a token without exp, saying a token must expire', async () => {
    const forever = jwt.sign({}, TEST_JWT_SECRET, { algorithm: 'HS256', subject: w.accountUserA });
    const r = await t.gql(ViewerDocument, {}, forever);
    expect(r.data ?? null).toBeNull();
    expect(r.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/no expiry.*must expire/), extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) })]);
    // The service token too.
    const service = jwt.sign({ scope: 'provisioning' }, TEST_JWT_SECRET, { algorithm: 'HS256', subject: 'service' });
    expect((await t.gql(ViewerDocument, {}, service)).errors?.[0]).toMatchObject({ message: expect.stringMatching(/must expire/), extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('refuses a token issued in the future', async () => {
    const future = jwt.sign({ iat: now() + 3600, exp: now() + 7200 }, TEST_JWT_SECRET, { algorithm: 'HS256', subject: w.accountUserA });
    const r = await t.gql(ViewerDocument, {}, future);
    expect(r.errors?.[0]).toMatchObject({ message: expect.stringMatching(/issued in the future/), extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('still serves the tokens the harness issues, and says nothing particular about a forged one', async () => {
    expect((await t.gql(ViewerDocument, {}, t.tokenFor(w.accountUserA))).data?.viewer.id).toBe(w.accountUserA);
    const forged = jwt.sign({}, 'another-secret-another-secret-another', { algorithm: 'HS256', subject: w.accountUserA });
    expect((await t.gql(ViewerDocument, {}, forged)).errors?.[0]).toMatchObject({ message: 'Sign in: a valid bearer token is required', extensions: { code: 'UNAUTHENTICATED' } });
  });
});
