import type { Attachment } from '@mpi/protocol';
import { useAttachmentUrl, useSocketService } from '@mpi/react';
import { fileSize } from './attachment-format.js';
import { VoicePlayer } from './voice-player.js';

/** Fetches the file with the user's token and hands it to the browser as a download. */
function useDownload(attachment: Attachment) {
  const service = useSocketService();
  return async () => {
    const result = await service.fetchFile(attachment.id);
    if (!result.ok) return;
    const url = URL.createObjectURL(result.blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = attachment.name;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  };
}

function ImageAttachment({ attachment }: { attachment: Attachment }) {
  const thumbnail = useAttachmentUrl(attachment.id, { thumbnail: true });
  const download = useDownload(attachment);
  const ratio =
    attachment.width && attachment.height ? `${attachment.width} / ${attachment.height}` : undefined;
  return (
    <figure className="attachment-image" data-file-id={attachment.id} style={{ aspectRatio: ratio }}>
      <button
        type="button"
        className="attachment-image-open"
        onClick={() => void download()}
        aria-label={`Download ${attachment.name}`}
      >
        {thumbnail ? (
          <img src={thumbnail} alt={attachment.name} />
        ) : (
          <span className="attachment-loading">Loading…</span>
        )}
      </button>
    </figure>
  );
}

function FileCard({ attachment }: { attachment: Attachment }) {
  const download = useDownload(attachment);
  const extension = attachment.name.includes('.') ? attachment.name.split('.').pop()?.toUpperCase() : 'FILE';
  return (
    <div className="file-card" data-file-id={attachment.id}>
      <span className="file-card-icon" aria-hidden="true">
        {extension}
      </span>
      <span className="file-card-text">
        <span className="file-card-name">{attachment.name}</span>
        <span className="file-card-size">{fileSize(attachment.size)}</span>
      </span>
      <button type="button" className="link-button" onClick={() => void download()}>
        Download
      </button>
    </div>
  );
}

/** The files of a message: image thumbnails, voice players, and a card for anything else. */
export function MessageAttachments({ attachments }: { attachments: readonly Attachment[] }) {
  return (
    <div className="attachments">
      {attachments.map((attachment) =>
        attachment.thumbnail ? (
          <ImageAttachment key={attachment.id} attachment={attachment} />
        ) : attachment.durationMs !== undefined ? (
          <VoicePlayer key={attachment.id} attachment={attachment} />
        ) : (
          <FileCard key={attachment.id} attachment={attachment} />
        ),
      )}
    </div>
  );
}
