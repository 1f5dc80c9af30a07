import { connect, createServer } from 'node:net';
import { emailOf, httpGet, newTenant } from '../support/connect-flow';
import { useEmulatedService } from '../support/emulated-service';

// A provider that cannot be reached: GraphQL clients and the callback page get the fixed message per provider,
// never the transport's (hosts, ports, request paths, ECONNREFUSED). The details are for the log.

const FIXED = {
  GOOGLE: 'Google Calendar is not responding right now. Try again in a minute.',
  OUTLOOK: 'Outlook is not responding right now. Try again in a minute.',
};

/** Whether a connection to this local port is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

/**
 * A port nothing listens on. 1023 first: below the ephemeral range, so no server of a test running beside this
 * one can be given it meanwhile (a port freed here could be), and distinctive enough to find in a page. Else a
 * freed ephemeral port.
 */
async function closedPort(): Promise<number> {
  if (await refused(1023)) return 1023;
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('provider failures never leak internals', () => {
  let port: number;
  const s = useEmulatedService({
    // Sign-in works (the emulators' OAuth endpoints); the calendar APIs are unreachable (a port found after the emulators started).
    env: async () => {
      port = await closedPort();
      return { GOOGLE_API_URL: `http://127.0.0.1:${port}/`, MICROSOFT_GRAPH_URL: `https://127.0.0.1:${port}/v1.0` };
    },
  });

  const leaks = (text: string) => {
    const found = [/127\.0\.0\.1/, /localhost/, new RegExp(`:${port}\\b`), /ECONNREFUSED/i, /\/v1\.0|\/calendar\/v3|calendarList|\/me\b|\/users\//, /request to|reason:/].filter((re) => re.test(text));
    return found.map(String);
  };

  test.each(['GOOGLE', 'OUTLOOK'] as const)('%s unreachable: completeConnection and the callback page show the fixed message only', async (provider) => {
    const w = await newTenant(s.ds());
    const account = (email: string) => (provider === 'OUTLOOK' ? s.emu.microsoft.addAccount({ email }).userPrincipalName : s.emu.google.addAccount({ email }).email);
    // Through GraphQL (userA), and through the browser callback (userA2, with an account of their own email).
    const viaApi = await s.flow.authorize(w.userA, w.locA, provider, account(await emailOf(s.ds(), w.userA)));
    const viaPage = await s.flow.authorize(w.userA2, w.locA, provider, account(await emailOf(s.ds(), w.userA2)));
    const pageUrl = `${s.t.url.replace(/\/graphql$/, '')}${new URL(viaPage.callbackUrl).pathname}${new URL(viaPage.callbackUrl).search}`;
    const [api, page] = await Promise.all([s.flow.complete(w.userA, viaApi.state, viaApi.code), httpGet(pageUrl)]);

    expect(api.data).toBeNull();
    expect(api.errors).toEqual([{ message: FIXED[provider], path: ['completeConnection'], locations: expect.any(Array), extensions: { code: 'PROVIDER_UNAVAILABLE' } }]);
    expect(leaks(JSON.stringify(api))).toEqual([]);

    expect(page.status).toBe(502);
    expect(page.body).toContain(`<p id="error">${FIXED[provider]}</p>`);
    expect(page.body).toMatch(/Reference: [0-9a-f-]{36}/);
    expect(leaks(page.body.replace(/Reference: [0-9a-f-]{36}/, ''))).toEqual([]);
    expect(page.headers['x-request-id']).toBe(/Reference: ([0-9a-f-]{36})/.exec(page.body)![1]);

    expect(await s.ds().query(`SELECT id FROM connections WHERE user_id = ANY($1)`, [[w.userA, w.userA2]])).toEqual([]);
  });
});
