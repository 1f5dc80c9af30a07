import type { StoredEvent } from './emulator.types';

/** An occurrence of `master` as an event of its own (Google's instance). */
export function instanceOf(
  master: StoredEvent,
  occ: { stamp: string; originalStart: StoredEvent['start']; start: StoredEvent['start']; end: StoredEvent['end']; startMs: number; endMs: number },
): StoredEvent {
  const { recurrence: _recurrence, ...rest } = master;
  return {
    ...rest,
    id: `${master.id}_${occ.stamp}`,
    recurringEventId: master.id,
    originalStartTime: occ.originalStart,
    start: occ.start,
    end: occ.end,
    startMs: occ.startMs,
    endMs: occ.endMs,
  };
}
