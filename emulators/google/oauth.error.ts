import { EmulatorError } from './emulator.error';

// The token endpoint answers with the OAuth 2.0 error shape, not the API envelope.
export class OAuthError extends EmulatorError {
  constructor(error: string, description: string, status = 400) {
    super(status, error, description);
  }

  override toBody(): unknown {
    return { error: this.reason, error_description: this.message };
  }
}

export const invalidGrant = (description = 'Token has been expired or revoked.') => new OAuthError('invalid_grant', description);
