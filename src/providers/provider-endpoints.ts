// Where the drivers send their requests. Defaults are the real Microsoft and Google endpoints;
// tests and sandbox mode point them at the emulators.
export interface ProviderEndpoints {
  microsoft: {
    clientId: string;
    clientSecret: string;
    /** e.g. https://login.microsoftonline.com/common (http works too: a fake without TLS) */
    authority: string;
    /** e.g. https://graph.microsoft.com/v1.0 (http works too) */
    graphUrl: string;
  };
  google: {
    clientId: string;
    clientSecret: string;
    /** e.g. https://accounts.google.com/o/oauth2/v2/auth */
    authUrl: string;
    /** e.g. https://oauth2.googleapis.com/token */
    tokenUrl: string;
    /** e.g. https://www.googleapis.com/ (rootUrl of the calendar client) */
    apiUrl: string;
  };
  /** PEM of an extra CA both providers' clients trust for TLS besides the system roots (PROVIDER_CA_FILE; the emulators' test CA). */
  caPem: string | null;
}
