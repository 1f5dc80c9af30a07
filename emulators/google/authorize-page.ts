import type { StoredAccount } from './emulator.types';

// The consent page: a real form a browser (or Playwright) can walk.

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function authorizePage(params: URLSearchParams, accounts: StoredAccount[]): string {
  const hidden = [...params].map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('\n      ');
  const choices = accounts
    .map(
      (a, i) =>
        `<li><label><input type="radio" name="account" value="${esc(a.email)}"${i === 0 ? ' checked' : ''}> ${esc(a.name)} &lt;${esc(a.email)}&gt;</label></li>`,
    )
    .join('\n        ');
  return `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>Sign in - Google Accounts (emulator)</title></head>
  <body>
    <h1>Choose an account</h1>
    <p>to continue to <strong>${esc(params.get('client_id') ?? '')}</strong></p>
    <form method="post" action="">
      ${hidden}
      <ul>
        ${choices || '<li>No test accounts. Add one with POST /_control/accounts.</li>'}
      </ul>
      <p><label><input type="checkbox" name="calendar_write" value="1" checked> See, edit, share, and permanently delete all the calendars you can access using Google Calendar</label></p>
      <button type="submit" name="decision" value="accept" id="accept">Accept</button>
      <button type="submit" name="decision" value="cancel" id="cancel">Cancel</button>
    </form>
  </body>
</html>`;
}
