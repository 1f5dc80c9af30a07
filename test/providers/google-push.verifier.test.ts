import { secretsMatch, verifyGooglePush } from '../../src/providers/google/google-push.verifier';

const req = (headers: Record<string, string>) => ({ headers, query: {}, body: null });
const secretFor = async (id: string) => (id === 'c1' ? 'right' : null);

describe('verifyGooglePush', () => {
  it('accepts genuine notices and says what they mean', async () => {
    const h = { 'x-goog-channel-id': 'c1', 'x-goog-channel-token': 'right' };
    expect(await verifyGooglePush(req({ ...h, 'x-goog-resource-state': 'sync' }), secretFor)).toEqual([{ channelId: 'c1', kind: 'sync' }]);
    expect(await verifyGooglePush(req({ ...h, 'x-goog-resource-state': 'exists' }), secretFor)).toEqual([{ channelId: 'c1', kind: 'changed' }]);
    expect(await verifyGooglePush(req({ ...h, 'x-goog-resource-state': 'not_exists' }), secretFor)).toEqual([{ channelId: 'c1', kind: 'changed' }]);
  });

  it('drops forged, unknown and incomplete notices', async () => {
    expect(await verifyGooglePush(req({ 'x-goog-channel-id': 'c1', 'x-goog-channel-token': 'wrong', 'x-goog-resource-state': 'exists' }), secretFor)).toEqual([]);
    expect(await verifyGooglePush(req({ 'x-goog-channel-id': 'c2', 'x-goog-channel-token': 'right', 'x-goog-resource-state': 'exists' }), secretFor)).toEqual([]);
    expect(await verifyGooglePush(req({ 'x-goog-channel-id': 'c1', 'x-goog-resource-state': 'exists' }), secretFor)).toEqual([]);
  });

  it('compares secrets of any length', () => {
    expect(secretsMatch('a', 'a')).toBe(true);
    expect(secretsMatch('a', 'ab')).toBe(false);
  });
});
