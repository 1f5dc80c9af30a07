// The sign-in page: the account being signed in (login_hint) first, the other test accounts below it
// with what each is for; every row has its own Accept button, and one Cancel button for the page.
import { escapeHtml } from './http-kit';
import type { Account } from './microsoft-model';
import type { MicrosoftState } from './microsoft-state';

/** What trying this account shows, so a person knows which error case it stands for. */
export function accountPurpose(state: MicrosoftState, account: Account): string {
  if (account.kind === 'onPremises') return 'on-premises Exchange mailbox: connecting it is refused';
  const shared = state.calendarsOf(account.id).filter((c) => c.ownerId !== account.id);
  const sharedBy = shared.map((c) => state.accounts.get(c.ownerId)?.displayName ?? 'a colleague');
  const parts = [account.kind === 'personal' ? 'personal Microsoft account (outlook.com, no work mail address)' : 'work account'];
  if (shared.length) parts.push(`with a calendar shared by ${[...new Set(sharedBy)].join(', ')}`);
  return parts.join(' ');
}

export function authorizePage(p: { action: string; request: URLSearchParams; scopes: string[]; state: MicrosoftState; accounts: Account[]; hinted: Account | undefined }): string {
  const action = escapeHtml(p.action);
  const request = escapeHtml(p.request.toString());
  const row = (a: Account) => `
    <li${a === p.hinted ? ' class="signing-in"' : ''}>
      <form method="post" action="${action}">
        <input type="hidden" name="request" value="${request}">
        <input type="hidden" name="account" value="${escapeHtml(a.userPrincipalName)}">
        <input type="hidden" name="decision" value="accept">
        <span class="who"><strong>${escapeHtml(a.displayName)}</strong> &lt;${escapeHtml(a.userPrincipalName)}&gt; <small>${escapeHtml(accountPurpose(p.state, a))}</small></span>
        <button type="submit" name="accept" data-account="${escapeHtml(a.userPrincipalName)}">Accept</button>
      </form>
    </li>`;
  const others = p.accounts.filter((a) => a !== p.hinted);
  const body = p.hinted
    ? `<h1>Signing in as ${escapeHtml(p.hinted.userPrincipalName)}</h1>
  <p>The application <code>${escapeHtml(p.request.get('client_id') ?? '')}</code> asks for: ${p.scopes.map(escapeHtml).join(', ')}</p>
  <ul id="signing-in">${row(p.hinted)}
  </ul>
  ${
    others.length
      ? `<h2 id="test-accounts-heading">Other test accounts, for trying the error cases</h2>
  <p>Accept one of these only to see how calbridge handles it (on-premises mailbox, personal account, shared calendar, someone else's account).</p>
  <ul id="test-accounts">${others.map(row).join('')}
  </ul>`
      : ''
  }`
    : `<h1>Pick an account</h1>
  <p>The application <code>${escapeHtml(p.request.get('client_id') ?? '')}</code> asks for: ${p.scopes.map(escapeHtml).join(', ')}</p>
  <ul id="accounts">${others.map(row).join('')}
  </ul>`;
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in to your account (Microsoft emulator)</title></head>
<body>
  ${body}
  <form method="post" action="${action}">
    <input type="hidden" name="request" value="${request}">
    <input type="hidden" name="decision" value="cancel">
    <button type="submit" name="cancel">Cancel</button>
  </form>
</body>
</html>`;
}
