export { GoogleCalendarDriver } from './google.driver';
export { defaultGoogleEndpoints, googleEndpointsFromEnv } from './google-endpoints';
export { ProviderRequestRejectedError } from './google-request-rejected.error';
