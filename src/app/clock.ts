/** The service's notion of now, injected where time matters (sync window, backoff, polls, slots, booking); tests inject or set their own, nothing reads the wall clock directly. */
export interface Clock {
  now(): Date;
}

// A fresh object per app, so a test that sets `services.clock.now` moves only its own app's time.
export const systemClock = (): Clock => ({ now: () => new Date() });
