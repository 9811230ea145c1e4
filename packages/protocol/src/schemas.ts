import { z } from 'zod';
import { NOTIFICATION_CHANNELS } from './channels.js';
import { E2E_LIMITS, ID_PATTERN, LIMITS } from './limits.js';

// Runtime schemas for every payload a client sends. The server parses each inbound event with the schema
// of that event before anything else; the TypeScript types of the payloads are derived from them, so a
// schema and its type cannot drift apart. Objects are strict: unknown fields are refused, not ignored.

export const idSchema = z
  .string()
  .min(1)
  .max(LIMITS.idMaxLength)
  .regex(ID_PATTERN, 'only letters, digits and . _ : @ - are allowed');

/*
 * Characters no text may carry: C0 and C1 controls (tab, line feed and carriage return excepted in
 * messages) and the bidirectional embeddings, overrides and isolates that make text display in another
 * order than it reads (CVE-2021-42574, "Trojan Source"). Texts are normalised to NFC, so that one word
 * has one form for filters, search and comparison.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_OR_BIDI = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/u;
const LINE_BREAK_OR_TAB = /[\t\n\r]/u;
const FORBIDDEN_MESSAGE = 'control and bidirectional-override characters are not allowed';

/** A multi-line text: NFC, without controls other than tab and line breaks, nor bidi overrides. */
const safeText = (schema: z.ZodString) =>
  schema
    .refine((text) => !CONTROL_OR_BIDI.test(text), FORBIDDEN_MESSAGE)
    .transform((text) => text.normalize('NFC'));

/** A one-line text (a name): as {@link safeText}, and no tab or line break either. */
const safeLine = (schema: z.ZodString) =>
  safeText(schema.refine((text) => !LINE_BREAK_OR_TAB.test(text), 'line breaks and tabs are not allowed'));

export const userIdSchema = idSchema.describe('user id');
export const chatIdSchema = idSchema.describe('chat id');
export const seqSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * An avatar is an https URL (an image the browser fetches itself; no `data:` URLs, which would make every
 * chat list carry the images). No credentials in it, at most `LIMITS.avatarUrlMaxLength` characters.
 */
const avatarUrlSchema = z
  .url({ protocol: /^https$/, hostname: z.regexes.domain, error: 'avatarUrl must be an https URL' })
  .max(LIMITS.avatarUrlMaxLength)
  .refine((url) => !/^https:\/\/[^/?#]*@/.test(url), 'avatarUrl must not carry credentials');

export const userInfoSchema = z.strictObject({
  name: safeLine(z.string().trim().min(1).max(LIMITS.displayNameMaxLength)).optional(),
  avatarUrl: avatarUrlSchema.optional(),
});

export const setupUserSchema = z.strictObject({
  userId: userIdSchema,
  userInfo: userInfoSchema.default({}),
});

export const chatRefSchema = z.strictObject({ chatId: chatIdSchema });

/** Base64url without padding of exactly `bytes` bytes. */
const base64urlBytes = (bytes: number) => z.base64url().length(Math.ceil((bytes * 4) / 3));

/** An AES-GCM IV: 96 bits, random per encryption. */
const ivSchema = base64urlBytes(12);

/** A device's ECDH P-256 public key: the raw uncompressed point (65 bytes, first byte 4), base64url. */
const publicKeySchema = base64urlBytes(65).refine(
  (key) => key.startsWith('B'),
  'not an uncompressed P-256 point',
);

/** A content key wrapped for one recipient device: AES-GCM of the 32-byte key, 16-byte tag included. */
export const wrappedKeySchema = z.strictObject({
  userId: userIdSchema,
  deviceId: idSchema,
  iv: ivSchema,
  key: base64urlBytes(48),
});

/** Upload ids, as the tus server names them (32 hex digits). */
export const uploadIdSchema = z.string().regex(/^[0-9a-f]{32}$/, 'an upload id is 32 hex digits');

/**
 * The tus `Upload-Metadata` of a new upload, decoded: the chat it is for, the file's name and type, and
 * for a voice message its duration and waveform (comma-separated levels).
 */
export const uploadMetadataSchema = z.strictObject({
  chatId: chatIdSchema,
  filename: safeLine(z.string().trim().min(1).max(LIMITS.fileNameMaxLength)),
  filetype: z
    .string()
    .max(100)
    .regex(/^[a-z0-9][a-z0-9.+-]*\/[a-z0-9][a-z0-9.+-]*$/, 'a media type such as image/png')
    .transform((type) => type.toLowerCase()),
  durationMs: z.coerce.number().int().min(1).optional(),
  waveform: z
    .string()
    .max(LIMITS.waveformMaxLevels * 4)
    .transform((levels) => levels.split(',').map(Number))
    .pipe(z.array(z.number().int().min(0).max(255)).min(1).max(LIMITS.waveformMaxLevels))
    .optional(),
});

/**
 * An end-to-end encrypted message body: encrypted once under a random content key, which is wrapped for
 * every recipient device (docs/security.md, "End-to-end encryption"). The server checks the shape and the
 * recipient set, and stores and relays it as it is.
 */
export const e2eEnvelopeSchema = z.strictObject({
  v: z.literal(1),
  senderDeviceId: idSchema,
  /** The sender device's public key: lets members read it after that device's key is gone from the server. */
  senderKey: publicKeySchema,
  iv: ivSchema,
  ciphertext: z.base64url().min(23).max(E2E_LIMITS.ciphertextMaxLength),
  keys: z
    .array(wrappedKeySchema)
    .min(1)
    .max(E2E_LIMITS.maxRecipientDevices)
    .refine(
      (keys) => new Set(keys.map((k) => JSON.stringify([k.userId, k.deviceId]))).size === keys.length,
      'each recipient device must appear once',
    ),
});

/** A message's text: not blank, at most `LIMITS.messageTextMaxLength`, NFC, no controls or bidi overrides. */
export const messageTextSchema = safeText(
  z
    .string()
    .max(LIMITS.messageTextMaxLength, `text is longer than ${LIMITS.messageTextMaxLength} characters`)
    .refine((text) => text.trim().length > 0, 'text must not be blank'),
);

/**
 * A text message (`text`), or in an end-to-end encrypted chat its `envelope`: exactly one of them. The text
 * may be blank only when files come with it.
 */
export const sendMessageSchema = z
  .strictObject({
    chatId: chatIdSchema,
    text: safeText(
      z
        .string()
        .max(LIMITS.messageTextMaxLength, `text is longer than ${LIMITS.messageTextMaxLength} characters`),
    ).optional(),
    envelope: e2eEnvelopeSchema.optional(),
    clientMessageId: idSchema,
    /** The id of a message of the same chat this one answers (quoted above it). */
    replyToId: idSchema.optional(),
    /** Members @mentioned (the text stays as written); others are dropped, see docs/protocol.md. */
    mentions: z
      .array(userIdSchema)
      .max(LIMITS.mentionsMaxCount)
      .refine((ids) => new Set(ids).size === ids.length, 'user ids must be unique')
      .optional(),
    /** Completed uploads of the sender, for this chat (see docs/protocol.md, "Files"). */
    attachments: z
      .array(uploadIdSchema)
      .min(1)
      .max(LIMITS.attachmentsPerMessage)
      .refine((ids) => new Set(ids).size === ids.length, 'upload ids must be unique')
      .optional(),
  })
  .refine((message) => (message.text === undefined) !== (message.envelope === undefined), {
    message: 'send either text or an envelope',
    path: ['text'],
  })
  .refine((message) => message.text === undefined || message.text.trim().length > 0 || message.attachments, {
    message: 'text must not be blank',
    path: ['text'],
  });

export const publishDeviceKeySchema = z.strictObject({ publicKey: publicKeySchema });

/** Cumulative: "this device has received every message of the chat up to seq N". */
export const messagesReceivedSchema = z.strictObject({ chatId: chatIdSchema, upToSeq: seqSchema });

/** Cumulative: "this user has read every message of the chat up to seq N". */
export const markReadSchema = z.strictObject({ chatId: chatIdSchema, upToSeq: seqSchema });

/** `encrypted`: the pair's end-to-end encrypted DM, a chat apart from their plain one. */
export const openDmSchema = z.strictObject({ userId: userIdSchema, encrypted: z.boolean().optional() });

export const getHistorySchema = z.strictObject({
  chatId: chatIdSchema,
  /** Return messages with seq below this; omit for the newest page. */
  beforeSeq: seqSchema.optional(),
  limit: z.number().int().min(1).max(LIMITS.historyPageMaxSize).default(50),
});

export const listChatsSchema = z.strictObject({});

const groupNameSchema = safeLine(z.string().trim().min(1).max(LIMITS.groupNameMaxLength));
const userIdListSchema = z
  .array(userIdSchema)
  .min(1)
  .max(LIMITS.groupMaxMembers - 1)
  .refine((ids) => new Set(ids).size === ids.length, 'user ids must be unique');

export const createGroupSchema = z.strictObject({
  name: groupNameSchema,
  members: userIdListSchema,
  /** End-to-end encrypted from the start; fixed for the chat's life. */
  encrypted: z.boolean().optional(),
});
export const addMembersSchema = z.strictObject({ chatId: chatIdSchema, userIds: userIdListSchema });
export const removeMemberSchema = z.strictObject({ chatId: chatIdSchema, userId: userIdSchema });
export const renameChatSchema = z.strictObject({ chatId: chatIdSchema, name: groupNameSchema });

export const notificationChannelSchema = z.enum(NOTIFICATION_CHANNELS);

export const channelsSchema = z.strictObject({
  channels: z.array(notificationChannelSchema).min(1).max(NOTIFICATION_CHANNELS.length),
});

export const getProfilesSchema = z.strictObject({
  userIds: z
    .array(userIdSchema)
    .min(1)
    .max(LIMITS.profilesPerRequest)
    .refine((ids) => new Set(ids).size === ids.length, 'user ids must be unique'),
});
export const setChatMutedSchema = z.strictObject({ chatId: chatIdSchema, muted: z.boolean() });
export const setPresenceHiddenSchema = z.strictObject({ hidden: z.boolean() });

export const pingSchema = z.strictObject({ sentAt: z.number().optional() });

export const callIdSchema = idSchema.max(LIMITS.callIdMaxLength).describe('call id');
export const callStartSchema = z.strictObject({
  chatId: chatIdSchema,
  callId: callIdSchema,
  media: z.enum(['audio', 'video']),
});
export const callRefSchema = z.strictObject({ callId: callIdSchema });
const sdpSchema = z.string().min(1).max(LIMITS.callSdpMaxLength);
/** What WebRTC peers exchange through the server: the offer, the answer and ICE candidates. */
export const callSignalSchema = z.strictObject({
  callId: callIdSchema,
  signal: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('offer'), sdp: sdpSchema }),
    z.strictObject({ kind: z.literal('answer'), sdp: sdpSchema }),
    z.strictObject({
      kind: z.literal('candidate'),
      candidate: z.strictObject({
        candidate: z.string().max(1024),
        sdpMid: z.string().max(64).nullable().optional(),
        sdpMLineIndex: z.number().int().min(0).max(64).nullable().optional(),
        usernameFragment: z.string().max(256).nullable().optional(),
      }),
    }),
  ]),
});

export type SetupUserInput = z.input<typeof setupUserSchema>;
export type CallStartInput = z.input<typeof callStartSchema>;
export type CallRefInput = z.input<typeof callRefSchema>;
export type CallSignalInput = z.input<typeof callSignalSchema>;
export type ChatRefInput = z.input<typeof chatRefSchema>;
export type SendMessageInput = z.input<typeof sendMessageSchema>;
export type UploadMetadata = z.output<typeof uploadMetadataSchema>;
export type MessagesReceivedInput = z.input<typeof messagesReceivedSchema>;
export type MarkReadInput = z.input<typeof markReadSchema>;
export type OpenDmInput = z.input<typeof openDmSchema>;
export type GetHistoryInput = z.input<typeof getHistorySchema>;
export type ListChatsInput = z.input<typeof listChatsSchema>;
export type CreateGroupInput = z.input<typeof createGroupSchema>;
export type AddMembersInput = z.input<typeof addMembersSchema>;
export type RemoveMemberInput = z.input<typeof removeMemberSchema>;
export type RenameChatInput = z.input<typeof renameChatSchema>;
export type ChannelsInput = z.input<typeof channelsSchema>;
/** `update_profile` takes the profile fields of `setup_user`'s `userInfo`. */
export type UpdateProfileInput = z.input<typeof userInfoSchema>;
export type GetProfilesInput = z.input<typeof getProfilesSchema>;
export type SetChatMutedInput = z.input<typeof setChatMutedSchema>;
export type SetPresenceHiddenInput = z.input<typeof setPresenceHiddenSchema>;
export type PingInput = z.input<typeof pingSchema>;
export type PublishDeviceKeyInput = z.input<typeof publishDeviceKeySchema>;
export type E2eEnvelope = z.output<typeof e2eEnvelopeSchema>;
export type WrappedKey = z.output<typeof wrappedKeySchema>;
