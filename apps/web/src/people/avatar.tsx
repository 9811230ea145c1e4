import type { UserPresence, UserProfile } from '@mpi/protocol';
import { useState } from 'react';

/** "AL" for "Ann Lee", "A" for "ann": what an avatar shows without a picture. */
function initials(label: string): string {
  const words = label.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words.at(-1)] : [words[0] ?? '?'];
  return letters
    .map((word) => [...(word ?? '')][0] ?? '')
    .join('')
    .toUpperCase();
}

/**
 * A person's picture (their https avatar; loaded without a referrer), or their initials when there is
 * none or it fails to load; a green dot while they are online.
 */
export function Avatar({
  userId,
  profile,
  presence,
}: {
  userId: string;
  profile: UserProfile | undefined;
  presence?: UserPresence | undefined;
}) {
  const [broken, setBroken] = useState<string | null>(null);
  const label = profile?.name ?? userId;
  const url = profile?.avatarUrl;
  return (
    <span className="avatar" aria-hidden="true" data-user-id={userId}>
      {url && broken !== url ? (
        <img src={url} alt="" referrerPolicy="no-referrer" loading="lazy" onError={() => setBroken(url)} />
      ) : (
        initials(label)
      )}
      {presence?.online && <span className="online-dot" data-testid="online-dot" />}
    </span>
  );
}
