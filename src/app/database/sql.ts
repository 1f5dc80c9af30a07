import { DataSource, EntityManager } from 'typeorm';

/**
 * Rows of any statement. TypeORM's plain `query()` returns [rows, count] for UPDATE/DELETE,
 * which is easy to misread; this always returns the rows (RETURNING included).
 */
export async function rows<T>(db: DataSource | EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  const existing = db instanceof EntityManager ? db.queryRunner : undefined;
  const runner = existing ?? (db instanceof DataSource ? db : db.connection).createQueryRunner();
  try {
    const result = await runner.query(sql, params, true);
    return (result.records ?? []) as T[];
  } finally {
    if (!existing) await runner.release();
  }
}
