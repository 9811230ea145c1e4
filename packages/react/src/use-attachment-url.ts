import { useEffect, useState } from 'react';
import { useSocketService } from './context.js';

/**
 * An object URL of an attachment (or its thumbnail), fetched with the user's token: downloads are
 * authorised per request, so an `<img src>` of the API route would be refused. Null until loaded or
 * when refused; revoked on unmount.
 */
export function useAttachmentUrl(
  fileId: string | null,
  options: { thumbnail?: boolean } = {},
): string | null {
  const service = useSocketService();
  const [url, setUrl] = useState<string | null>(null);
  const thumbnail = options.thumbnail === true;
  useEffect(() => {
    if (fileId === null) return;
    let live = true;
    let created: string | null = null;
    void service.fetchFile(fileId, { thumbnail }).then((result) => {
      if (!live || !result.ok) return;
      created = URL.createObjectURL(result.blob);
      setUrl(created);
    });
    return () => {
      live = false;
      if (created) URL.revokeObjectURL(created);
      setUrl(null);
    };
  }, [service, fileId, thumbnail]);
  return url;
}
