import { ClientAuthError, ClientConfigurationError, InteractionRequiredAuthError, ServerError } from '@azure/msal-node';
import { GraphError } from '@microsoft/microsoft-graph-client';
import { fromProviderError } from '../../src/app/errors/public-error';
import { toCalendarInfo, toProviderAccount } from '../../src/providers/outlook/outlook-calendar.mapper';
import { mapGraphError, mapMsalError } from '../../src/providers/outlook/outlook-error.mapper';
import { ProviderRequestRejectedError } from '../../src/providers/provider.errors';
import { graphValidationResponse, verifyGraphPush } from '../../src/providers/outlook/outlook-push.verifier';
import { MAX_PUSH_NOTIFICATIONS, PushRequestRefusedError } from '../../src/providers/shared/push-request';
import { hashPushSecret } from '../../src/providers/shared/push-secret';
import {
  AccessTokenExpiredError,
  CursorExpiredError,
  GrantRevokedError,
  ProviderNotFoundError,
  ProviderThrottledError,
  ProviderUnavailableError,
  UnsupportedMailboxError,
} from '../../src/providers/provider.errors';

function graphError(status: number, code: string, headers: Record<string, string> = {}): GraphError {
  const e = new GraphError(status, `${code} happened`);
  e.code = code;
  e.headers = new Headers(headers) as unknown as GraphError['headers'];
  return e;
}

describe('mapGraphError', () => {
  it('maps statuses and codes to typed errors', () => {
    const throttled = mapGraphError(graphError(429, 'ApplicationThrottled', { 'Retry-After': '2.5' }));
    expect(throttled).toBeInstanceOf(ProviderThrottledError);
    expect((throttled as ProviderThrottledError).retryAfterMs).toBe(2500);
    expect((throttled as ProviderThrottledError).retryAfterGiven).toBe(true);
    // Without Retry-After the wait is a guess: the sync engine backs off instead of trusting it
    expect(mapGraphError(graphError(429, 'ApplicationThrottled'))).toMatchObject({ retryAfterMs: 1000, retryAfterGiven: false });
    expect(mapGraphError(graphError(503, 'ServiceNotAvailable', { 'Retry-After': '7' }))).toMatchObject({ retryAfterMs: 7000 });
    expect(mapGraphError(graphError(401, 'InvalidAuthenticationToken'))).toBeInstanceOf(AccessTokenExpiredError);
    expect(mapGraphError(graphError(410, 'resyncRequired'))).toBeInstanceOf(CursorExpiredError);
    expect(mapGraphError(graphError(400, 'syncStateNotFound'))).toBeInstanceOf(CursorExpiredError);
    expect(mapGraphError(graphError(400, 'resyncRequired'))).toBeInstanceOf(CursorExpiredError);
    expect(mapGraphError(graphError(404, 'MailboxNotEnabledForRESTAPI'))).toBeInstanceOf(UnsupportedMailboxError);
    expect(mapGraphError(graphError(404, 'ErrorItemNotFound'))).toBeInstanceOf(ProviderNotFoundError);
    expect(mapGraphError(graphError(503, 'ServiceNotAvailable'))).toBeInstanceOf(ProviderUnavailableError);
    expect(mapGraphError(graphError(-1, 'Error'))).toBeInstanceOf(ProviderUnavailableError);
    const rejected = mapGraphError(graphError(403, 'ErrorAccessDenied'));
    expect(rejected).toBeInstanceOf(ProviderRequestRejectedError);
    expect(fromProviderError(rejected as ProviderRequestRejectedError).code).toBe('PROVIDER_UNAVAILABLE');
    expect((rejected as ProviderRequestRejectedError).status).toBe(403);
  });
});

describe('mapMsalError', () => {
  it('maps invalid_grant to GrantRevokedError and server trouble to unavailable', () => {
    expect(mapMsalError(Object.assign(new Error('x'), { errorCode: 'invalid_grant', errorMessage: 'AADSTS70008: expired' }))).toBeInstanceOf(GrantRevokedError);
    expect(mapMsalError(Object.assign(new Error('x'), { errorCode: 'temporarily_unavailable', status: 503 }))).toBeInstanceOf(ProviderUnavailableError);
    const other = new Error('invalid_client');
    expect(mapMsalError(other)).toBe(other);
  });

  it('maps every refusal and token cache miss to GrantRevokedError, never leaving an msal error untyped', () => {
    const refusals = [
      new ServerError('invalid_client', '', 'AADSTS7000215: Invalid client secret provided.', undefined, '7000215', 401),
      new ServerError('unauthorized_client', '', 'AADSTS700016: not found', undefined, '700016', 400),
      new InteractionRequiredAuthError('interaction_required', '', 'AADSTS50076: MFA required'),
      new InteractionRequiredAuthError('no_tokens_found', '', 'No refresh token found in the cache.'),
      new ClientAuthError('no_account_found', ''),
      new ClientAuthError('no_account_in_silent_request', ''),
    ];
    for (const err of refusals) expect(mapMsalError(err)).toBeInstanceOf(GrantRevokedError);
    expect(mapMsalError(new ServerError('temporarily_unavailable', '', 'try later', undefined, undefined, 503))).toBeInstanceOf(ProviderUnavailableError);
    expect(mapMsalError(new ServerError('throttled', '', 'slow down', undefined, undefined, 429))).toBeInstanceOf(ProviderThrottledError);
    expect(mapMsalError(new ClientAuthError('network_error', ''))).toBeInstanceOf(ProviderUnavailableError);
    // Our own misconfiguration is not the user's to fix by reconnecting: it stays an internal error
    const config = new ClientConfigurationError('authority_uri_insecure', '');
    expect(mapMsalError(config)).toBe(config);
  });
});

describe('accounts and calendars', () => {
  const work = { id: 'u1', displayName: 'Alex', mail: 'alex@contoso.com', userPrincipalName: 'alex@contoso.onmicrosoft.com' };
  const personal = { id: '0123456789abcdef', displayName: 'Sam', mail: null, userPrincipalName: 'sam@outlook.com' };

  it('identifies accounts by tenant + object id, showing mail or the sign-in name', () => {
    expect(toProviderAccount(work, { tenantId: 't', objectId: 'o' })).toEqual({ externalId: 't.o', email: 'alex@contoso.com', displayName: 'Alex' });
    expect(toProviderAccount(personal, { tenantId: 't', objectId: 'o' }).email).toBe('sam@outlook.com');
  });

  it('needs canEdit and the right write scope (.Shared for someone else’s calendar)', () => {
    const own = { id: 'c1', name: 'Calendar', canEdit: true, isDefaultCalendar: true, owner: { address: 'alex@contoso.com' } };
    const shared = { id: 'c2', name: 'Megan', canEdit: true, owner: { address: 'megan@contoso.com' } };
    const readShared = { ...shared, canEdit: false };
    const all = ['User.Read', 'Calendars.ReadWrite', 'Calendars.ReadWrite.Shared'];
    expect(toCalendarInfo(own, work, all)).toEqual({ externalId: 'c1', name: 'Calendar', canWrite: true, access: 'WRITE', isDefault: true, timeZone: null });
    expect(toCalendarInfo(shared, work, all).canWrite).toBe(true);
    expect(toCalendarInfo(readShared, work, all)).toMatchObject({ canWrite: false, access: 'READ' });
    expect(toCalendarInfo(shared, work, ['Calendars.ReadWrite']).canWrite).toBe(false);
    expect(toCalendarInfo(own, work, ['Calendars.Read']).canWrite).toBe(false);
    expect(toCalendarInfo(own, work, ['https://graph.microsoft.com/Calendars.ReadWrite']).canWrite).toBe(true);
  });
});

describe('push verification', () => {
  // What the database holds: hashes of the subscriptions' clientState; every lookup is recorded.
  const stored: Record<string, string> = { 'sub-1': hashPushSecret('right'), 'sub-2': hashPushSecret('other') };
  const lookups: string[][] = [];
  const secretFor = async (ids: readonly string[]) => (lookups.push([...ids]), new Map(ids.filter((id) => id in stored).map((id) => [id, stored[id]])));
  beforeEach(() => (lookups.length = 0));

  it('echoes the validation token only for handshakes', () => {
    expect(graphValidationResponse({ headers: {}, query: { validationToken: 'Validation: token' }, body: '' })).toBe('Validation: token');
    expect(graphValidationResponse({ headers: {}, query: {}, body: {} })).toBeNull();
  });

  it('keeps notices whose clientState matches and maps lifecycle events', async () => {
    const body = {
      value: [
        { subscriptionId: 'sub-1', clientState: 'right', changeType: 'updated' },
        { subscriptionId: 'sub-1', clientState: 'wrong', changeType: 'updated' },
        { subscriptionId: 'sub-2', clientState: 'other', lifecycleEvent: 'subscriptionRemoved' },
        { subscriptionId: 'sub-2', clientState: 'other', lifecycleEvent: 'missed' },
        { subscriptionId: 'sub-2', clientState: 'other', lifecycleEvent: 'somethingElse' },
        { subscriptionId: 'unknown', clientState: 'right' },
        { clientState: 'right' },
      ],
    };
    expect(await verifyGraphPush({ headers: {}, query: {}, body }, secretFor)).toEqual([
      { channelId: 'sub-1', kind: 'changed' },
      { channelId: 'sub-2', kind: 'subscriptionRemoved' },
      { channelId: 'sub-2', kind: 'missed' },
    ]);
    expect(await verifyGraphPush({ headers: {}, query: {}, body: JSON.stringify(body) }, secretFor)).toHaveLength(3);
    // Malformed: refused as a whole (400), before any lookup.
    await expect(verifyGraphPush({ headers: {}, query: {}, body: 'not json' }, secretFor)).rejects.toBeInstanceOf(PushRequestRefusedError);
    await expect(verifyGraphPush({ headers: {}, query: {}, body: { value: 'x' } }, secretFor)).rejects.toBeInstanceOf(PushRequestRefusedError);
    await expect(verifyGraphPush({ headers: {}, query: {}, body: undefined }, secretFor)).rejects.toBeInstanceOf(PushRequestRefusedError);
  });

  it('looks up all the subscriptions of a request at once, each id once', async () => {
    const value = [
      ...Array.from({ length: 600 }, (_, i) => ({ subscriptionId: `unknown-${i}`, clientState: 'guess' })),
      { subscriptionId: 'sub-1', clientState: 'right' },
      { subscriptionId: 'sub-1', clientState: 'right' },
    ];
    expect(await verifyGraphPush({ headers: {}, query: {}, body: { value } }, secretFor)).toEqual([
      { channelId: 'sub-1', kind: 'changed' },
      { channelId: 'sub-1', kind: 'changed' },
    ]);
    expect(lookups).toHaveLength(1);
    expect(lookups[0]).toHaveLength(601);
    // Nothing to look up, no lookup.
    expect(await verifyGraphPush({ headers: {}, query: {}, body: { value: [{ clientState: 'x' }] } }, secretFor)).toEqual([]);
    expect(lookups).toHaveLength(1);
  });

  it(`refuses more than ${MAX_PUSH_NOTIFICATIONS} notifications in one request before any lookup`, async () => {
    const many = (n: number) => ({ headers: {}, query: {}, body: { value: Array.from({ length: n }, () => ({ subscriptionId: 'sub-1', clientState: 'right' })) } });
    await expect(verifyGraphPush(many(MAX_PUSH_NOTIFICATIONS + 1), secretFor)).rejects.toBeInstanceOf(PushRequestRefusedError);
    expect(lookups).toHaveLength(0);
    expect(await verifyGraphPush(many(MAX_PUSH_NOTIFICATIONS), secretFor)).toHaveLength(MAX_PUSH_NOTIFICATIONS);
  });
});
