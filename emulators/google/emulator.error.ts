// A failure rendered with Google's JSON error envelope.
export class EmulatorError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly domain = 'global',
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toBody(): unknown {
    return {
      error: {
        errors: [{ domain: this.domain, reason: this.reason, message: this.message }],
        code: this.status,
        message: this.message,
      },
    };
  }
}

export const notFound = () => new EmulatorError(404, 'notFound', 'Not Found');
export const badRequest = (message: string, reason = 'invalid') => new EmulatorError(400, reason, message);
