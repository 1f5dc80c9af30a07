import { Express, Request, Response } from 'express';
import { DomainError } from '../app/errors/domain.error';
import { logger } from '../app/logging/logger';
import { ProviderCalendar } from './provider-calendar.entity';
import { Provider } from './connection.enums';
import { ConnectionService } from './connection.service';
import { DataSource } from 'typeorm';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · calbridge</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1f2933}h1{font-size:1.4rem}
.ok{color:#0b7a3e}.err{color:#b42318}li{margin:.2rem 0}small{color:#667085}</style></head><body>${body}</body></html>`;
}

/** GET /oauth/{outlook|google}/callback: finishes the browser flow and shows the result as a small page. */
export function mountOAuthCallbackRoutes(app: Express, deps: { connections: ConnectionService; ds: DataSource }): void {
  for (const provider of [Provider.OUTLOOK, Provider.GOOGLE]) {
    const label = provider === Provider.OUTLOOK ? 'Outlook' : 'Google';
    app.get(`/oauth/${provider.toLowerCase()}/callback`, async (req: Request, res: Response) => {
      // Only single string values count: a repeated parameter arrives as an array and is treated as absent.
      const q = Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, typeof v === 'string' ? v : undefined])) as Record<string, string | undefined>;
      res.type('html');
      if (q.error) {
        // The user cancelled or the provider refused: nothing is stored, the attempt's state is spent.
        if (q.state) await deps.connections.abandon(q.state).catch(() => {});
        const why = q.error === 'access_denied' ? `You cancelled, or did not allow calbridge to access your ${label} calendar.` : `${label} answered: ${q.error_description ?? q.error}.`;
        res.status(400).send(page('Not connected', `<h1 class="err">${label} calendar not connected</h1><p>${esc(why)}</p><p>Nothing was saved. You can close this window and try again.</p>`));
        return;
      }
      try {
        const conn = await deps.connections.complete(null, q.state ?? '', q.code ?? '', provider);
        const calendars = await deps.ds.getRepository(ProviderCalendar).find({ where: { connectionId: conn.id }, order: { isDefault: 'DESC', name: 'ASC' } });
        const items = calendars.map((c) => `<li>${esc(c.name)}${c.isDefault ? ' <small>(default)</small>' : ''}${c.canWrite ? '' : ' <small>(read-only)</small>'}</li>`).join('');
        res.send(
          page(
            'Connected',
            `<h1 class="ok">Connected ${esc(conn.accountEmail)}</h1><p>Your ${label} account is connected. Its calendars:</p><ul id="calendars">${items}</ul><p>You can close this window.</p>`,
          ),
        );
      } catch (err) {
        const message = err instanceof DomainError ? err.message : 'Something went wrong while connecting. Please try again.';
        if (!(err instanceof DomainError)) logger.error({ err, provider }, 'oauth callback failed');
        res.status(err instanceof DomainError ? 400 : 500).send(page('Not connected', `<h1 class="err">${label} calendar not connected</h1><p id="error">${esc(message)}</p>`));
      }
    });
  }
}
