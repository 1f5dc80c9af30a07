import { badInput } from '../app/errors/errors';

/** The contract: time-range arguments take [from, to), at most 62 days long. */
export const MAX_RANGE_DAYS = 62;

/** [from, to) must be a real, non-empty range of at most 62 days; else BAD_USER_INPUT naming `to`. */
export function requireTimeRange(from: Date, to: Date): { from: Date; to: Date } {
  if (Number.isNaN(from.getTime())) throw badInput('from', 'is not a time');
  if (Number.isNaN(to.getTime())) throw badInput('to', 'is not a time');
  if (to <= from) throw badInput('to', 'must be after from');
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * 24 * 3_600_000) throw badInput('to', `the range from..to is longer than ${MAX_RANGE_DAYS} days`);
  return { from, to };
}
