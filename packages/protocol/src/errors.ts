/**
 * The one catalogue of error codes a client can receive, over Socket.IO (acks, `socket_*` events,
 * `connect_error.data`) and over HTTP (`{ error: { code, message } }` bodies). Codes are stable: clients
 * switch on them, so a code is never renamed or reused. Every code is documented in docs/protocol.md
 * (a test checks it).
 */
export const ERROR_CATALOGUE = {
  AUTH_MISSING: { status: 401, message: 'No token was given: pass auth.token in the handshake.' },
  AUTH_INVALID: { status: 401, message: 'The token is malformed or its signature does not verify.' },
  AUTH_EXPIRED: { status: 401, message: 'The token has expired: fetch a fresh one and reconnect.' },
  FORBIDDEN: { status: 403, message: 'You are not allowed to do this.' },
  NOT_A_MEMBER: { status: 403, message: 'You are not a member of this chat.' },
  CHAT_NOT_FOUND: { status: 404, message: 'No chat has this id.' },
  NOT_FOUND: { status: 404, message: 'Nothing exists at this address.' },
  VALIDATION_FAILED: { status: 400, message: 'The payload does not match the schema of this event.' },
  UNKNOWN_EVENT: { status: 400, message: 'The server does not handle this event.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The payload is larger than the server accepts.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests: slow down and retry later.' },
  TOO_MANY_CONNECTIONS: {
    status: 429,
    message: 'Too many open connections for this user or address: close one and retry later.',
  },
  ORIGIN_NOT_ALLOWED: { status: 403, message: 'Requests from this origin are not allowed.' },
  CONTENT_REJECTED: { status: 422, message: 'The content filter refused this text.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The body must be application/json.' },
  UNAVAILABLE: { status: 503, message: 'The server is shutting down or its storage is unreachable.' },
  SIGNATURE_MISSING: {
    status: 401,
    message: 'The request is not signed: send X-MPI-Timestamp and X-MPI-Signature.',
  },
  SIGNATURE_INVALID: { status: 401, message: 'The request signature is malformed or does not verify.' },
  SIGNATURE_STALE: {
    status: 401,
    message: 'The request timestamp is more than 5 minutes away from the server clock.',
  },
  INVALID_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  DELIVERY_ID_REUSED: {
    status: 409,
    message: 'This delivery id was already used for a different request.',
  },
  GROUP_NOT_FOUND: { status: 404, message: 'No audience group has this id.' },
  ACCOUNT_ERASED: {
    status: 401,
    message: "This user's data was erased: tokens issued before the erasure are refused.",
  },
  ENCRYPTION_REQUIRED: {
    status: 422,
    message: 'This chat is end-to-end encrypted: send an envelope, not text.',
  },
  NOT_ENCRYPTED: { status: 422, message: 'This chat is not end-to-end encrypted: send text.' },
  DEVICE_KEYS_CHANGED: {
    status: 409,
    message:
      "The envelope is not wrapped for exactly the chat's current device keys: fetch them and encrypt again.",
  },
  MESSAGE_NOT_FOUND: { status: 404, message: 'This chat has no message with this id.' },
  MESSAGE_DELETED: { status: 409, message: 'This message was deleted.' },
  EDIT_WINDOW_CLOSED: { status: 403, message: 'This message is too old to be edited.' },
  REACTION_LIMIT: {
    status: 422,
    message: 'You have put as many different reactions on this message as allowed.',
  },
  PUSH_DISABLED: { status: 503, message: 'This server does not send Web Push notifications.' },
  PUSH_ENDPOINT_NOT_ALLOWED: {
    status: 422,
    message: 'The push subscription does not point at a push service this server sends to.',
  },
  ATTACHMENT_INVALID: {
    status: 422,
    message:
      'An attachment is not a completed upload of yours for this chat, or is sent with another message.',
  },
  FILE_TYPE_NOT_ALLOWED: { status: 415, message: 'The server does not accept files of this type.' },
  CALL_BUSY: { status: 409, message: 'You or the person you call are already in a call.' },
  CALL_NOT_FOUND: { status: 404, message: 'No ringing or active call of yours has this id.' },
  INTERNAL: { status: 500, message: 'Something went wrong on the server; it has been logged.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

// Pure: a bundle that uses no code list (the SDK) drops the catalogue and its messages.
export const ERROR_CODES = /* @__PURE__ */ Object.keys(ERROR_CATALOGUE) as ErrorCode[];

/**
 * What a failure says about trying again, per code. Each client part that retries decides from this
 * table which codes end its retries:
 * - `transient`: the server is busy, shutting down or rate limiting: the same request may succeed later.
 * - `fault`: the server failed unexpectedly; a later attempt may succeed or fail the same way.
 * - `token-expired`: a new connection with a fresh token succeeds.
 * - `token-refused`: the token is missing or invalid: no attempt with the same token can succeed.
 * - `no-chat`: the chat does not exist for this user, or the user is not (or no longer) a member.
 * - `refused`: the request is invalid or not allowed: sent again unchanged, it fails the same way.
 */
export type ErrorRecovery = 'transient' | 'fault' | 'token-expired' | 'token-refused' | 'no-chat' | 'refused';

/** Every code's recovery: a new code does not compile until it is classified here. */
export const ERROR_RECOVERY = {
  AUTH_MISSING: 'token-refused',
  AUTH_INVALID: 'token-refused',
  AUTH_EXPIRED: 'token-expired',
  FORBIDDEN: 'refused',
  NOT_A_MEMBER: 'no-chat',
  CHAT_NOT_FOUND: 'no-chat',
  NOT_FOUND: 'refused',
  VALIDATION_FAILED: 'refused',
  UNKNOWN_EVENT: 'refused',
  PAYLOAD_TOO_LARGE: 'refused',
  RATE_LIMITED: 'transient',
  TOO_MANY_CONNECTIONS: 'transient',
  ORIGIN_NOT_ALLOWED: 'refused',
  CONTENT_REJECTED: 'refused',
  UNSUPPORTED_MEDIA_TYPE: 'refused',
  UNAVAILABLE: 'transient',
  SIGNATURE_MISSING: 'refused',
  SIGNATURE_INVALID: 'refused',
  SIGNATURE_STALE: 'refused',
  INVALID_JSON: 'refused',
  DELIVERY_ID_REUSED: 'refused',
  GROUP_NOT_FOUND: 'refused',
  ACCOUNT_ERASED: 'token-refused',
  ENCRYPTION_REQUIRED: 'refused',
  NOT_ENCRYPTED: 'refused',
  DEVICE_KEYS_CHANGED: 'refused',
  MESSAGE_NOT_FOUND: 'refused',
  MESSAGE_DELETED: 'refused',
  EDIT_WINDOW_CLOSED: 'refused',
  REACTION_LIMIT: 'refused',
  PUSH_DISABLED: 'refused',
  PUSH_ENDPOINT_NOT_ALLOWED: 'refused',
  ATTACHMENT_INVALID: 'refused',
  FILE_TYPE_NOT_ALLOWED: 'refused',
  CALL_BUSY: 'refused',
  CALL_NOT_FOUND: 'refused',
  INTERNAL: 'fault',
} as const satisfies Record<ErrorCode, ErrorRecovery>;

/** The recovery of a code; undefined for a code this contract does not know (sent by a newer server). */
export function recoveryOf(code: string): ErrorRecovery | undefined {
  return Object.hasOwn(ERROR_RECOVERY, code) ? ERROR_RECOVERY[code as ErrorCode] : undefined;
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** With RATE_LIMITED: when the next event of the same kind will be accepted. */
  retryAfterMs?: number;
  /** With CONTENT_REJECTED: the content filter's reason code (e.g. `blocklist`). */
  reason?: string;
}

export function errorBody(code: ErrorCode, message: string = ERROR_CATALOGUE[code].message): ErrorBody {
  return { code, message };
}

/** Every acknowledgement has this shape: success with its fields, or a typed error. */
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: ErrorBody };

export type AckCallback<T extends object = object> = (response: Ack<T>) => void;
