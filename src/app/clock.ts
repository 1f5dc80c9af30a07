/** The time source of everything that schedules (sync window, backoff, polls); tests inject their own. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
