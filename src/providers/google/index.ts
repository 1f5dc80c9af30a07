export { GoogleCalendarDriver } from './google.driver';
export { defaultGoogleEndpoints, googleEndpointsFromEnv } from './google-endpoints';
