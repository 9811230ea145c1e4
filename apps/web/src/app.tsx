import { useState } from 'react';
import { navigate } from './router.js';
import { type Session, type SignedInUser, startSession, storeUser } from './session.js';
import { SignIn } from './sign-in.js';
import { SignedInApp } from './signed-in-app.js';

/** Signed out: the sign-in screen. Signed in: the app, with one SocketService for the session. */
export function App({ initialSession }: { initialSession: Session | null }) {
  const [session, setSession] = useState<Session | null>(initialSession);

  const signIn = (user: SignedInUser) => {
    storeUser(user);
    setSession(startSession(user));
  };

  const signOut = () => {
    session?.end();
    storeUser(null);
    setSession(null);
    navigate({ name: 'chats' }, { replace: true });
  };

  if (!session) return <SignIn onSignedIn={signIn} />;
  return <SignedInApp key={session.user.userId} session={session} onSignOut={signOut} />;
}
