import { usePresenceSetting } from '@mpi/react';
import { useState } from 'react';

/** The privacy switch: hide my online status and last seen (and, in return, see no one's last seen). */
export function PresenceSetting() {
  const [hidden, setHidden] = usePresenceSetting();
  // Shown at once; the stored setting (from the ack, or another device) takes over when it answers.
  const [pending, setPending] = useState<boolean | null>(null);
  return (
    <label
      className="presence-setting"
      title="Others see neither whether you are online nor when you were last seen; you see no one's last seen either."
    >
      <input
        type="checkbox"
        checked={pending ?? hidden ?? false}
        disabled={hidden === null}
        onChange={(event) => {
          const next = event.target.checked;
          setPending(next);
          void setHidden(next).finally(() => setPending(null));
        }}
      />
      Hide my online status
    </label>
  );
}
