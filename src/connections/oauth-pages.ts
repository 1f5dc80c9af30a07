import { CalendarAccess } from './calendar-access.enum';
import { Provider } from './connection.enums';
import { ProviderCalendar } from './provider-calendar.entity';

// The small HTML pages of the browser OAuth flow. No scripts; everything shown is escaped.

export const PROVIDER_LABEL: Record<Provider, string> = { OUTLOOK: 'Outlook', GOOGLE: 'Google' };

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)} · calbridge</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1f2933}h1{font-size:1.4rem}
.ok{color:#0b7a3e}.err{color:#b42318}li{margin:.2rem 0}small{color:#667085}form{margin:1.5rem 0;display:flex;gap:.75rem}
button{font:inherit;padding:.5rem 1.2rem;border-radius:.4rem;border:1px solid #98a2b3;background:#fff;cursor:pointer}button.primary{background:#1f6feb;border-color:#1f6feb;color:#fff}</style></head><body>${body}</body></html>`;
}

export function connectedPage(provider: Provider, accountEmail: string, calendars: ProviderCalendar[]): string {
  const label = PROVIDER_LABEL[provider];
  const access = (c: ProviderCalendar) => (c.canWrite ? '' : c.access === CalendarAccess.FREE_BUSY ? ' <small>(free/busy only)</small>' : ' <small>(read-only)</small>');
  const items = calendars.map((c) => `<li>${esc(c.name)}${c.isDefault ? ' <small>(default)</small>' : ''}${access(c)}</li>`).join('');
  return page(
    'Connected',
    `<h1 class="ok">Connected ${esc(accountEmail)}</h1><p>The ${label} account is connected. Its calendars:</p><ul id="calendars">${items}</ul><p>You can close this window.</p>`,
  );
}

export interface ConfirmationQuestion {
  provider: Provider;
  token: string;
  accountEmail: string;
  userName: string;
  locationName: string;
}

/** Names the CRM user, the location and the provider account; answered by a same-origin POST. */
export function confirmationPage(q: ConfirmationQuestion): string {
  const label = PROVIDER_LABEL[q.provider];
  const [account, user, location] = [esc(q.accountEmail || `this ${label} account`), esc(q.userName), esc(q.locationName)];
  return page(
    'Confirm the connection',
    `<h1 id="question">Connect ${account} to ${user}'s calendar settings at ${location}?</h1>
<p>This connection was started in calbridge by <strong>${user}</strong> for <strong>${location}</strong>, and you signed in to ${label} as <strong>${account}</strong>.</p>
<p>If you connect, ${user} can see and change the calendars of ${account} through calbridge. Continue only if that is what you want. If someone sent you this link, choose Decline.</p>
<form method="post" action="/oauth/${q.provider.toLowerCase()}/confirm"><input type="hidden" name="token" value="${esc(q.token)}">
<button type="submit" name="decision" value="confirm" id="confirm" class="primary">Connect</button><button type="submit" name="decision" value="decline" id="decline">Decline</button></form>
<p><small>This question expires with the connection attempt, 10 minutes after it was started.</small></p>`,
  );
}

export function declinedPage(provider: Provider): string {
  const label = PROVIDER_LABEL[provider];
  return page('Not connected', `<h1 class="err">${label} calendar not connected</h1><p>You declined. Nothing was saved. You can close this window.</p>`);
}

export function failedPage(provider: Provider, message: string, reference?: string): string {
  const label = PROVIDER_LABEL[provider];
  const ref = reference ? `<p><small>Reference: ${esc(reference)}</small></p>` : '';
  return page('Not connected', `<h1 class="err">${label} calendar not connected</h1><p id="error">${esc(message)}</p>${ref}`);
}

/** The provider's error redirect (the user cancelled, or the provider refused). */
export function providerRefusedPage(provider: Provider, error: string, description: string | undefined): string {
  const label = PROVIDER_LABEL[provider];
  const why = error === 'access_denied' ? `You cancelled, or did not allow calbridge to access your ${label} calendar.` : `${label} answered: ${description ?? error}.`;
  return page('Not connected', `<h1 class="err">${label} calendar not connected</h1><p>${esc(why)}</p><p>Nothing was saved. You can close this window and try again.</p>`);
}
