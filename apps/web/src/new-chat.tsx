import { useSocketService } from '@mpi/react';
import { type FormEvent, useId, useState } from 'react';
import { parseIds } from './format.js';
import { navigate } from './router.js';
import { isValidUserId } from './session.js';

type Mode = 'dm' | 'group' | null;

/** "New message" and "New group": a DM by user id (`openDm`) or a named group (`createGroup`). */
export function NewChat() {
  const service = useSocketService();
  const [mode, setMode] = useState<Mode>(null);
  const [userId, setUserId] = useState('');
  const [groupName, setGroupName] = useState('');
  const [members, setMembers] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [encrypted, setEncrypted] = useState(false);
  const id = useId();

  const toggle = (next: Mode) => {
    setMode((current) => (current === next ? null : next));
    setError(null);
    setEncrypted(false);
  };

  const startDm = async (event: FormEvent) => {
    event.preventDefault();
    const other = userId.trim();
    if (!isValidUserId(other)) {
      setError('A user id is 1–128 letters, digits or . _ : @ -');
      return;
    }
    setBusy(true);
    const ack = await service.openDm(other, { encrypted });
    setBusy(false);
    if (!ack.ok) {
      setError(ack.error.message);
      return;
    }
    setUserId('');
    setMode(null);
    setError(null);
    navigate({ name: 'chat', chatId: ack.chat.id });
  };

  const createGroup = async (event: FormEvent) => {
    event.preventDefault();
    const ids = parseIds(members);
    const bad = ids.find((member) => !isValidUserId(member));
    if (groupName.trim() === '') {
      setError('Give the group a name.');
      return;
    }
    if (ids.length === 0 || bad) {
      setError(bad ? `"${bad}" is not a valid user id.` : 'Add at least one member.');
      return;
    }
    setBusy(true);
    const ack = await service.createGroup(groupName.trim(), ids, { encrypted });
    setBusy(false);
    if (!ack.ok) {
      setError(ack.error.message);
      return;
    }
    setGroupName('');
    setMembers('');
    setMode(null);
    setError(null);
    navigate({ name: 'chat', chatId: ack.chat.id });
  };

  return (
    <div className="new-chat">
      <div className="new-chat-buttons">
        <button
          type="button"
          aria-expanded={mode === 'dm'}
          aria-controls={`${id}-dm`}
          onClick={() => toggle('dm')}
        >
          New message
        </button>
        <button
          type="button"
          aria-expanded={mode === 'group'}
          aria-controls={`${id}-group`}
          onClick={() => toggle('group')}
        >
          New group
        </button>
      </div>
      {mode === 'dm' && (
        <form id={`${id}-dm`} className="stack" onSubmit={startDm} aria-label="Start a direct message">
          <label htmlFor={`${id}-user`}>User id</label>
          <input
            id={`${id}-user`}
            value={userId}
            onChange={(event) => setUserId(event.target.value)}
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            required
            // biome-ignore lint/a11y/noAutofocus: the user just asked for this form
            autoFocus
          />
          <label className="checkbox">
            <input
              type="checkbox"
              checked={encrypted}
              onChange={(event) => setEncrypted(event.target.checked)}
            />
            End-to-end encrypted
          </label>
          <button type="submit" disabled={busy}>
            Start chat
          </button>
        </form>
      )}
      {mode === 'group' && (
        <form id={`${id}-group`} className="stack" onSubmit={createGroup} aria-label="Create a group">
          <label htmlFor={`${id}-name`}>Group name</label>
          <input
            id={`${id}-name`}
            value={groupName}
            onChange={(event) => setGroupName(event.target.value)}
            maxLength={100}
            required
            // biome-ignore lint/a11y/noAutofocus: the user just asked for this form
            autoFocus
          />
          <label htmlFor={`${id}-members`}>Members (user ids, separated by commas)</label>
          <input
            id={`${id}-members`}
            value={members}
            onChange={(event) => setMembers(event.target.value)}
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            required
          />
          <label className="checkbox">
            <input
              type="checkbox"
              checked={encrypted}
              onChange={(event) => setEncrypted(event.target.checked)}
            />
            End-to-end encrypted
          </label>
          <button type="submit" disabled={busy}>
            Create group
          </button>
        </form>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
