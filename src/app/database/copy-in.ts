import type { Client, Connection } from 'pg';
import { EntityManager } from 'typeorm';

// COPY … FROM STDIN (text format) on the connection of a TypeORM transaction: the fastest way to move many
// rows into PostgreSQL. pg itself has no COPY helper; this speaks the protocol's copy-in messages.

/** One field of COPY's text format: \N for null, backslash escapes for the separators. */
export function copyField(v: string | number | boolean | Date | null): string {
  if (v === null) return '\\N';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'boolean') return v ? 't' : 'f';
  return String(v).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

export const copyLine = (fields: ReadonlyArray<string | number | boolean | Date | null>) => `${fields.map(copyField).join('\t')}\n`;

/** Runs `COPY … FROM STDIN` with `payload` (text format lines) on the transaction's own connection. */
export async function copyIn(tx: EntityManager, sql: string, payload: string): Promise<void> {
  if (!tx.queryRunner) throw new Error('copyIn needs a transaction');
  const client = (await tx.queryRunner.connect()) as Client;
  await new Promise<void>((resolve, reject) => {
    const submittable = {
      submit: (connection: Connection) => connection.query(sql),
      handleCopyInResponse: (connection: Connection & { sendCopyFromChunk(b: Buffer): void; endCopyFrom(): void }) => {
        connection.sendCopyFromChunk(Buffer.from(payload));
        connection.endCopyFrom();
      },
      handleCommandComplete: () => undefined,
      handleReadyForQuery: () => resolve(),
      handleError: (err: Error) => reject(err),
    };
    void client.query(submittable as never);
  });
}
