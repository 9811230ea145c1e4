import { type FormEvent, useState } from 'react';
import { fetchDevToken, isValidUserId, type SignedInUser } from './session.js';

/** Sign-in with a user id (and an optional display name), checked by fetching a development token. */
export function SignIn({ onSignedIn }: { onSignedIn(user: SignedInUser): void }) {
  const [userId, setUserId] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const id = userId.trim();
    if (!isValidUserId(id)) {
      setError('A user id is 1–128 letters, digits or . _ : @ - (no spaces).');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await fetchDevToken(id); // the server is reachable and accepts this id
    } catch (failure) {
      setBusy(false);
      setError(failure instanceof Error ? failure.message : 'Sign-in failed.');
      return;
    }
    const displayName = name.trim();
    onSignedIn(displayName ? { userId: id, name: displayName } : { userId: id });
  };

  return (
    <main className="sign-in" id="main">
      <form className="sign-in-card stack" onSubmit={onSubmit} aria-labelledby="sign-in-heading">
        <h1 id="sign-in-heading">MPI Realtime</h1>
        <p className="muted">Club chat and notifications. Sign in with your user id.</p>
        <label htmlFor="sign-in-user">User id</label>
        <input
          id="sign-in-user"
          name="userId"
          value={userId}
          onChange={(event) => setUserId(event.target.value)}
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          aria-describedby="sign-in-user-hint"
          // biome-ignore lint/a11y/noAutofocus: the only thing to do on this screen
          autoFocus
        />
        <span id="sign-in-user-hint" className="hint">
          Letters, digits and . _ : @ - e.g. alice
        </span>
        <label htmlFor="sign-in-name">Display name (optional)</label>
        <input
          id="sign-in-name"
          name="name"
          value={name}
          onChange={(event) => setName(event.target.value)}
          autoComplete="nickname"
          maxLength={100}
        />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
