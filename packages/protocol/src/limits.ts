/** Limits that are part of the contract: the server enforces them and clients can check before sending. */
export const LIMITS = {
  /** Longest message text, in UTF-16 code units (what `string.length` counts). */
  messageTextMaxLength: 4000,
  /** Longest id of a user, chat or client message. */
  idMaxLength: 128,
  /** Largest page of history one `get_history` returns. */
  historyPageMaxSize: 100,
  /** Most members a group chat can have, its creator included. */
  groupMaxMembers: 256,
  /** Longest group name. */
  groupNameMaxLength: 100,
  /** Longest display name (`userInfo.name`). */
  displayNameMaxLength: 100,
  /** Longest avatar URL (https only). */
  avatarUrlMaxLength: 2048,
  /** Most members one message may @mention. */
  mentionsMaxCount: 50,
  /** Most user ids one `get_profiles` asks for. */
  profilesPerRequest: 100,
  /** Most messages in one `queued_messages` batch. */
  queuedBatchSize: 100,
  /** A typing indicator clears by itself this long after the last `typing_start`. */
  typingTtlMs: 5000,
  /** Most different emojis one user can put on one message. */
  reactionsPerUserPerMessage: 10,
  /** Longest emoji, in UTF-16 code units (the longest ZWJ sequences are about 35). */
  emojiMaxLength: 64,
  /** Longest search query, and most words of it that count. */
  searchQueryMaxLength: 200,
  searchMaxWords: 8,
  /** Largest page of `search_messages`. */
  searchPageMaxSize: 50,
  /** Largest single Socket.IO frame the server accepts; bigger frames close the connection. */
  maxFrameBytes: 256 * 1024,
  /** Longest Web Push subscription endpoint (a push service's URL). */
  pushEndpointMaxLength: 1024,
  /** A message's text in a push is cut to this length (a push payload holds about 4 kB). */
  pushTextMaxLength: 1000,
  /** Most files one message carries. */
  attachmentsPerMessage: 10,
  /** Longest file name of an upload. */
  fileNameMaxLength: 255,
  /** Most levels in a voice message's waveform. */
  waveformMaxLevels: 64,
  /** Longest SDP offer or answer a call relays. */
  callSdpMaxLength: 20_000,
  /** Longest call id. */
  callIdMaxLength: 64,
} as const;

/** Limits of end-to-end encrypted chats (docs/security.md, "End-to-end encryption"). */
export const E2E_LIMITS = {
  /**
   * Longest base64url ciphertext of one message: a text of `LIMITS.messageTextMaxLength` UTF-16 code
   * units is at most 3 bytes each in UTF-8, plus the 16-byte tag, in base64url.
   */
  ciphertextMaxLength: Math.ceil(((LIMITS.messageTextMaxLength * 3 + 16) * 4) / 3),
  /** Most recipient devices one message is wrapped for. */
  maxRecipientDevices: 512,
  /** Device keys kept per user: publishing one more drops the user's oldest. */
  maxDevicesPerUser: 10,
} as const;

/** What a user, chat, client message or device id may contain (1–`LIMITS.idMaxLength` of these). */
export const ID_PATTERN = /^[A-Za-z0-9._:@-]+$/;

/** The id rules without a schema library (for clients checking before they send). */
export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && value.length <= LIMITS.idMaxLength && ID_PATTERN.test(value);
}

/** Limits of the notification inbox and of the ingestion API. */
export const NOTIFICATION_LIMITS = {
  /** Largest signed HTTP body of the ingestion API, in bytes; bigger bodies get 413 PAYLOAD_TOO_LARGE. */
  ingestBodyMaxBytes: 64 * 1024,
  /** Most user ids in one `{ users: [...] }` audience. */
  audienceMaxUsers: 1000,
  /** Most group ids in one `{ groups: [...] }` audience. */
  audienceMaxGroups: 50,
  /** Most members a named audience group holds. */
  groupMaxMembers: 10_000,
  /** Most user ids one group membership request adds, removes or sets. */
  groupMembersPerRequest: 1000,
  /** Largest page of `list_notifications`. */
  inboxPageMaxSize: 100,
  /** Most ids in one `mark_notifications_read`. */
  markReadMaxIds: 100,
  /** Most items in one `queued_notifications` batch. */
  queuedBatchSize: 100,
  /** Longest system notice or webhook message, in UTF-16 code units. */
  messageMaxLength: 2000,
} as const;
