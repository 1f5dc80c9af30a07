import { DocumentNode, GraphQLError } from 'graphql';

/** What an operation's text came to: its document once it passed parsing and validation, or the errors. */
export type CheckedOperation = { document: DocumentNode; errors?: undefined } | { document?: undefined; errors: readonly GraphQLError[] };

/** Texts longer than this are checked every time and not kept (a client sends the same few operations). */
export const MAX_CACHED_QUERY_LENGTH = 8 * 1024;

/**
 * The socket's operations by their text: clients send the same few subscriptions thousands of times, and each one
 * parsed apart would cost its own document (tokens, locations, names) for as long as it stays open. One parsed and
 * validated document per text serves every subscription with that text (graphql-js never changes a document); the
 * least recently used texts leave past `capacity`.
 */
export class OperationCache {
  private readonly entries = new Map<string, CheckedOperation>();

  constructor(
    private readonly check: (query: string) => CheckedOperation,
    private readonly capacity = 500,
  ) {}

  get(query: string): CheckedOperation {
    if (query.length > MAX_CACHED_QUERY_LENGTH) return this.check(query);
    const hit = this.entries.get(query);
    if (hit) {
      // Most recently used last: Map keeps insertion order.
      this.entries.delete(query);
      this.entries.set(query, hit);
      return hit;
    }
    const checked = this.check(query);
    this.entries.set(query, checked);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return checked;
  }

  get size(): number {
    return this.entries.size;
  }
}
