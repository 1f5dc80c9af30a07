import { User } from './user.entity';

/** A User from a raw `users` row (snake_case columns), for queries that join beyond what the repository loads. */
export function userFromRow(r: Record<string, unknown>): User {
  return Object.assign(new User(), {
    id: r.id, agencyId: r.agency_id, email: r.email, name: r.name, type: r.type, role: r.role, active: r.active, createdAt: r.created_at,
  });
}
