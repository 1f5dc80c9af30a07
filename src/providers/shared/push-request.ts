// Bounds of one push request: whatever a caller sends, verifying it costs one lookup of at most
// MAX_PUSH_NOTIFICATIONS channels (Graph batches far fewer notifications per request).

export const MAX_PUSH_NOTIFICATIONS = 1000;

/** The stored secret hashes of these channels (unknown ones absent), looked up together. */
export type ChannelSecretLookup = (channelIds: readonly string[]) => Promise<ReadonlyMap<string, string>>;

/** A push request refused as a whole (answered 400): no provider sends it. */
export class PushRequestRefusedError extends Error {}
