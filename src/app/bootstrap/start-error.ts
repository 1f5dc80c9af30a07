/** A start that cannot go on, with a message that names the cause and what to do; printed as is. */
export class StartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartError';
  }
}

/** Some libraries reject with `undefined` or a bare string: always give the reader a sentence. */
export function describeFailure(err: unknown): string {
  if (err instanceof Error && err.message) return err.message;
  if (typeof err === 'string' && err) return err;
  if (err === undefined || err === null) return 'an unknown error (the failing step gave no reason)';
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}
