/** The service's notion of now, injected where time matters (tests set it; nothing reads the wall clock directly). */
export interface Clock {
  now(): Date;
}

export const systemClock = (): Clock => ({ now: () => new Date() });
