import type { StoredAccount } from './emulator.types';

// The consent page: a real form a browser (or Playwright) can walk. The account being signed in
// (login_hint) comes first and is chosen; the other test accounts follow, with what each is for.

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** What trying this account shows, so a person knows which case it stands for. */
export function accountPurpose(account: StoredAccount): string {
  const shared = [...account.calendars.values()].filter((c) => !c.primary && c.accessRole !== 'owner');
  const parts: string[] = [];
  if (account.calendarGrant === 'readonly') parts.push('grants read-only calendar access');
  if (shared.length) parts.push(`sees ${shared.length === 1 ? 'a calendar' : `${shared.length} calendars`} shared with ${[...new Set(shared.map((c) => c.accessRole))].join('/')} access`);
  return parts.join('; ');
}

export function authorizePage(params: URLSearchParams, accounts: StoredAccount[], hinted?: StoredAccount): string {
  const hidden = [...params].map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('\n      ');
  const choice = (a: StoredAccount) => {
    const purpose = accountPurpose(a);
    // Nothing is chosen for the user unless the app said who is signing in
    return `<li><label><input type="radio" name="account" value="${esc(a.email)}" required${a === hinted ? ' checked' : ''}> ${esc(a.name)} &lt;${esc(a.email)}&gt;${purpose ? ` <small>${esc(purpose)}</small>` : ''}</label></li>`;
  };
  const others = accounts.filter((a) => a !== hinted);
  const list = hinted
    ? `<h2>Signing in as</h2>
      <ul id="signing-in">
        ${choice(hinted)}
      </ul>
      ${
        others.length
          ? `<h2 id="test-accounts-heading">Other test accounts, for trying the error cases</h2>
      <p>Choose one of these only to see how calbridge handles it, such as an account another user has connected. Unticking the calendar permission below tries a read-only grant.</p>
      <ul id="test-accounts">
        ${others.map(choice).join('\n        ')}
      </ul>`
          : ''
      }`
    : `<ul id="accounts">
        ${others.map(choice).join('\n        ') || '<li>No test accounts. Add one with POST /_control/accounts.</li>'}
      </ul>`;
  return `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>Sign in - Google Accounts (emulator)</title></head>
  <body>
    <h1>Choose an account</h1>
    <p>to continue to <strong>${esc(params.get('client_id') ?? '')}</strong></p>
    <form method="post" action="">
      ${hidden}
      ${list}
      <p><label><input type="checkbox" name="calendar_write" value="1" checked> See, edit, share, and permanently delete all the calendars you can access using Google Calendar</label></p>
      <button type="submit" name="decision" value="accept" id="accept">Accept</button>
      <button type="submit" name="decision" value="cancel" id="cancel" formnovalidate>Cancel</button>
    </form>
  </body>
</html>`;
}
