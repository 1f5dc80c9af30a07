import { verifyGooglePush } from '../../src/providers/google/google-push.verifier';
import { PushRequestRefusedError } from '../../src/providers/shared/push-request';
import { hashPushSecret } from '../../src/providers/shared/push-secret';

const req = (headers: Record<string, string>) => ({ headers, query: {}, body: null });
// What the database holds: the hash of channel c1's token.
const lookups: string[][] = [];
const secretFor = async (ids: readonly string[]) => (lookups.push([...ids]), new Map(ids.filter((id) => id === 'c1').map((id) => [id, hashPushSecret('right')])));

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

  it('refuses a request that is no Google notification (no channel id or resource state)', async () => {
    lookups.length = 0;
    await expect(verifyGooglePush(req({ 'x-goog-channel-token': 'right', 'x-goog-resource-state': 'exists' }), secretFor)).rejects.toBeInstanceOf(PushRequestRefusedError);
    await expect(verifyGooglePush(req({ 'x-goog-channel-id': 'c1', 'x-goog-channel-token': 'right' }), secretFor)).rejects.toBeInstanceOf(PushRequestRefusedError);
    expect(lookups).toEqual([]);
  });

  it('looks the channel up once per request, and not at all for an incomplete one', async () => {
    lookups.length = 0;
    await verifyGooglePush(req({ 'x-goog-channel-id': 'c1', 'x-goog-channel-token': 'right', 'x-goog-resource-state': 'exists' }), secretFor);
    await verifyGooglePush(req({ 'x-goog-channel-id': 'c1', 'x-goog-resource-state': 'exists' }), secretFor);
    expect(lookups).toEqual([['c1']]);
  });
});
