import { DataSource } from 'typeorm';

const TENANCY_TABLES = ['plans', 'agencies', 'locations', 'location_disabled_features', 'users', 'location_members', 'calendars', 'calendar_members'] as const;

/**
 * A fingerprint of every tenancy table (row count and a hash of the content), to show that a refused
 * mutation wrote nothing, not even half of its work.
 */
export async function tenancyState(ds: DataSource): Promise<Record<string, string>> {
  const parts = TENANCY_TABLES.map(
    (t) => `SELECT '${t}' AS t, count(*)::text || ':' || coalesce(md5(string_agg(x::text, ',' ORDER BY x::text)), '') AS v FROM ${t} x`,
  );
  const rows: Array<{ t: string; v: string }> = await ds.query(parts.join(' UNION ALL '));
  return Object.fromEntries(rows.map((r) => [r.t, r.v]));
}

/** Row counts of the tenancy tables, for readable assertions. */
export async function rowCounts(ds: DataSource): Promise<Record<string, number>> {
  const rows: Array<{ t: string; n: number }> = await ds.query(TENANCY_TABLES.map((t) => `SELECT '${t}' AS t, count(*)::int AS n FROM ${t}`).join(' UNION ALL '));
  return Object.fromEntries(rows.map((r) => [r.t, r.n]));
}
