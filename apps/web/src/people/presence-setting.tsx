import { usePresenceSetting } from '@mpi/react';

/** The privacy switch: hide my online status and last seen (and, in return, see no one's last seen). */
export function PresenceSetting() {
  const [hidden, setHidden] = usePresenceSetting();
  return (
    <label
      className="presence-setting"
      title="Others see neither whether you are online nor when you were last seen; you see no one's last seen either."
    >
      <input
        type="checkbox"
        checked={hidden ?? false}
        disabled={hidden === null}
        onChange={(event) => void setHidden(event.target.checked)}
      />
      Hide my online status
    </label>
  );
}
