const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; a malformed one can match nothing (and must not reach SQL as a uuid). */
export const isUuid = (id: string): boolean => UUID.test(id);

/** Postgres unique-violation on a given constraint/index. */
export const isUniqueViolation = (err: unknown, constraint: string): boolean =>
  (err as { code?: string })?.code === '23505' && String((err as Error).message).includes(constraint);
