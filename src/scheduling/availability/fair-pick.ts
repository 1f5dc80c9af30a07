// Round-robin fairness (PRODUCT.md "Booking"), pure. When a ROUND_ROBIN or SERVICE booking names no member,
// the service picks among the members free for the slot:
//   1. the one with the fewest confirmed appointments on this calendar in the surrounding 7 days
//      (appointments starting within 3.5 days either side of the slot's start);
//   2. on a tie, the one whose last booking on this calendar (when it was made, not when it takes place) is
//      oldest; a member never booked counts as oldest of all;
//   3. on a further tie, the earlier in the calendar's team order.
// Over equally free members this rotates: 30 bookings over 3 members end 10/10/10.

export const FAIRNESS_WINDOW_MS = 7 * 24 * 60 * 60_000;

export interface MemberLoad {
  /** Confirmed appointments on this calendar starting in the 7 days around the slot. */
  recentCount: number;
  /** When the member's latest confirmed appointment on this calendar was booked; null: never. */
  lastBookedAt: Date | null;
}

/** The fairness window around a slot start: [start − 3.5 days, start + 3.5 days). */
export function fairnessWindow(start: Date): { from: Date; to: Date } {
  return { from: new Date(start.getTime() - FAIRNESS_WINDOW_MS / 2), to: new Date(start.getTime() + FAIRNESS_WINDOW_MS / 2) };
}

/** The free members in the order they should be tried (first = the fair pick). `candidates` are in team order. */
export function fairOrder(candidates: readonly string[], load: ReadonlyMap<string, MemberLoad>): string[] {
  const rank = (id: string) => load.get(id) ?? { recentCount: 0, lastBookedAt: null };
  return candidates
    .map((id, position) => ({ id, position, ...rank(id) }))
    .sort(
      (a, b) =>
        a.recentCount - b.recentCount ||
        (a.lastBookedAt?.getTime() ?? -Infinity) - (b.lastBookedAt?.getTime() ?? -Infinity) ||
        a.position - b.position,
    )
    .map((m) => m.id);
}
