// One keep-alive HTTPS agent for msal and the Graph client, trusting the machine's roots plus
// an optional extra CA (the emulators' test CA) without touching NODE_EXTRA_CA_CERTS.
import { Agent } from 'node:https';
import { createSecureContext, rootCertificates } from 'node:tls';

export function createProviderAgent(caPem: string | null): Agent {
  if (!caPem) return new Agent({ keepAlive: true });
  // A prebuilt secureContext rather than `ca`: the agent keys its socket pool by its options,
  // and a `ca` list of every root would be rebuilt into that key (and a new context) per request
  const secureContext = createSecureContext({ ca: [...rootCertificates, caPem] });
  return new Agent({ keepAlive: true, secureContext });
}
