import { useSocketService } from '@mpi/react';
import { type FormEvent, useState } from 'react';
import { type SignedInUser, storeUser } from '../session.js';

/**
 * Your name and picture as the people you chat with see them: saved with `update_profile` (they see it
 * at once) and remembered for the next sign-in's `setup_user`.
 */
export function ProfileForm({ user }: { user: SignedInUser }) {
  const service = useSocketService();
  const [name, setName] = useState(user.name ?? '');
  const [avatarUrl, setAvatarUrl] = useState(user.avatarUrl ?? '');
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const info = {
      ...(name.trim() !== '' && { name: name.trim() }),
      ...(avatarUrl.trim() !== '' && { avatarUrl: avatarUrl.trim() }),
    };
    const ack = await service.updateProfile(info);
    if (!ack.ok) {
      setStatus({ ok: false, text: ack.error.message });
      return;
    }
    storeUser({ ...user, ...info });
    setStatus({ ok: true, text: 'Saved.' });
  };

  return (
    <form className="profile-form stack" onSubmit={onSubmit} aria-labelledby="profile-heading">
      <h3 id="profile-heading">Your profile</h3>
      <label htmlFor="profile-name">Display name</label>
      <input
        id="profile-name"
        value={name}
        onChange={(event) => setName(event.target.value)}
        maxLength={100}
      />
      <label htmlFor="profile-avatar">Picture (https URL)</label>
      <input
        id="profile-avatar"
        type="url"
        inputMode="url"
        placeholder="https://…"
        value={avatarUrl}
        onChange={(event) => setAvatarUrl(event.target.value)}
        maxLength={2048}
      />
      <button type="submit">Save profile</button>
      {status && (
        <p className={status.ok ? 'hint' : 'form-error'} role={status.ok ? 'status' : 'alert'}>
          {status.text}
        </p>
      )}
    </form>
  );
}
