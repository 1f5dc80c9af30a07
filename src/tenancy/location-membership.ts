import { EntityManager } from 'typeorm';

/**
 * Agency admins are members of every location of their agency without a location_members row, but what a
 * member owns there (connections, calendar configuration) hangs off that row (foreign keys, so that ending a
 * membership takes it along). Adds the row when it is missing; call only for someone who is a member.
 */
export async function ensureMembershipRow(tx: EntityManager, loc: { id: string; agencyId: string }, userId: string): Promise<void> {
  await tx.query(`INSERT INTO location_members (location_id, user_id, agency_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [loc.id, userId, loc.agencyId]);
}
