// Keep-alive agents for every provider request of one driver: https trusting the machine's roots plus
// an optional extra CA (PROVIDER_CA_FILE, e.g. the emulators' test CA) without touching
// NODE_EXTRA_CA_CERTS, and http for endpoints configured without TLS.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { createSecureContext, rootCertificates } from 'node:tls';

export class ProviderAgents {
  readonly https: HttpsAgent;
  readonly http = new HttpAgent({ keepAlive: true });

  constructor(caPem: string | null) {
    // A prebuilt secureContext rather than `ca`: the agent keys its socket pool by its options,
    // and a `ca` list of every root would be rebuilt into that key (and a new context) per request
    this.https = caPem ? new HttpsAgent({ keepAlive: true, secureContext: createSecureContext({ ca: [...rootCertificates, caPem] }) }) : new HttpsAgent({ keepAlive: true });
  }

  /** Releases pooled connections (tests, shutdown). */
  destroy(): void {
    this.https.destroy();
    this.http.destroy();
  }
}
