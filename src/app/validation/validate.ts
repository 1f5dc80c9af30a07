import { badInput } from '../errors/errors';

// Input checks shared by the services; each failure is BAD_USER_INPUT naming the field.

export function requireName(field: string, value: string, max = 200): string {
  const v = value?.trim() ?? '';
  if (!v) throw badInput(field, 'must not be empty');
  if (v.length > max) throw badInput(field, `must be at most ${max} characters`);
  return v;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export function requireEmail(field: string, value: string): string {
  const v = value?.trim() ?? '';
  if (!EMAIL.test(v) || v.length > 320) throw badInput(field, `"${value}" is not a valid email address`);
  return v;
}

const IANA_SHAPE = /^(?:[A-Za-z]+(?:[_-][A-Za-z]+)*(?:\/[A-Za-z0-9]+(?:[_+-][A-Za-z0-9]+)*)+|UTC)$/;
export function isIanaZone(tz: string): boolean {
  if (!IANA_SHAPE.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
export function requireTimezone(field: string, value: string): string {
  const v = value?.trim() ?? '';
  if (!isIanaZone(v)) throw badInput(field, `"${value}" is not a known IANA time zone (for example Europe/Berlin)`);
  return v;
}

export function requireIntInRange(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw badInput(field, `must be a whole number from ${min} to ${max}`);
  return value;
}
