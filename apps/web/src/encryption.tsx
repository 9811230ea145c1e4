import type { ChatListItem, ChatMessage, UndecryptableReason } from '@mpi/client';
import { useSafetyCode } from '@mpi/react';
import { useId, useState } from 'react';
import { LockIcon } from './icons.js';

const UNREADABLE: Record<UndecryptableReason, string> = {
  'not-for-this-device': 'Sent before this device could read this chat.',
  tampered: 'This message was altered on the way and cannot be trusted.',
  replayed: 'A copy of an earlier message: hidden.',
  'sender-key-mismatch': "The sender's key changed: this message cannot be verified.",
  'no-device-key': 'This device has no encryption key.',
};

/** What a message bubble shows of an encrypted message that could not be read. */
export function unreadableText(message: ChatMessage): string | null {
  return message.encryption === 'undecryptable' && message.undecryptable
    ? UNREADABLE[message.undecryptable]
    : null;
}

/**
 * A chat-list preview: a deleted last message says so, and an encrypted one that came from the list (not
 * decrypted) too.
 */
export function previewText(last: NonNullable<ChatListItem['lastMessage']>): string {
  if (last.deletedAt) return 'Message deleted';
  return last.envelope && last.text === '' ? 'Encrypted message' : last.text;
}

/** The lock shown beside an encrypted chat's title. */
export function EncryptedMark() {
  return (
    <span className="encrypted-mark" title="End-to-end encrypted">
      <LockIcon />
      <span className="visually-hidden"> (end-to-end encrypted)</span>
    </span>
  );
}

function SafetyCodeRow({ chatId, userId }: { chatId: string; userId: string }) {
  const { safetyCode, error } = useSafetyCode(chatId, userId);
  return (
    <li>
      <span className="safety-code-user">{userId}</span>{' '}
      {error ? (
        <span role="alert">{error.message}</span>
      ) : (
        <code className="safety-code" data-testid={`safety-code-${userId}`}>
          {safetyCode ?? '…'}
        </code>
      )}
    </li>
  );
}

/** The banner of an encrypted chat, with the safety codes to compare with each other member. */
export function EncryptionBanner({ chatId, others }: { chatId: string; others: readonly string[] }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  return (
    <div className="encryption-banner" data-testid="e2e-banner">
      <p>
        <LockIcon /> Messages in this chat are end-to-end encrypted: only its members' devices can read them.{' '}
        <button
          type="button"
          className="link-button"
          aria-expanded={open}
          aria-controls={id}
          onClick={() => setOpen((value) => !value)}
        >
          {open ? 'Hide safety codes' : 'Verify safety codes'}
        </button>
      </p>
      {open && (
        <div id={id}>
          <p>
            Compare these digits with each member, in person or over a call: equal codes mean no one listens
            in.
          </p>
          <ul className="safety-codes">
            {others.map((userId) => (
              <SafetyCodeRow key={userId} chatId={chatId} userId={userId} />
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
