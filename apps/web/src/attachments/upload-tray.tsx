import type { FileUpload } from '@mpi/react';
import { fileSize } from './attachment-format.js';

/** Files on their way: preview, progress bar and cancel; a failed one says why. */
export function UploadTray({
  uploads,
  onCancel,
  onDismiss,
}: {
  uploads: readonly FileUpload[];
  onCancel(key: string): void;
  onDismiss(key: string): void;
}) {
  if (uploads.length === 0) return null;
  return (
    <ul className="upload-tray" aria-label="Files being sent">
      {uploads.map((upload) => (
        <li key={upload.key} className="upload" data-status={upload.status}>
          {upload.previewUrl ? (
            <img className="upload-preview" src={upload.previewUrl} alt="" />
          ) : (
            <span className="upload-preview file-card-icon" aria-hidden="true">
              {upload.name.split('.').pop()?.toUpperCase()}
            </span>
          )}
          <span className="upload-text">
            <span className="upload-name">{upload.name}</span>
            {upload.status === 'failed' ? (
              <span className="upload-error" role="alert">
                Not sent: {upload.error?.message}
              </span>
            ) : (
              <progress
                max={upload.size || 1}
                value={upload.sentBytes}
                aria-label={`Uploading ${upload.name}`}
                title={`${fileSize(upload.sentBytes)} of ${fileSize(upload.size)}`}
              />
            )}
          </span>
          {upload.status === 'failed' ? (
            <button type="button" className="link-button" onClick={() => onDismiss(upload.key)}>
              Dismiss
            </button>
          ) : (
            <button
              type="button"
              className="link-button"
              onClick={() => onCancel(upload.key)}
              disabled={upload.status === 'sending'}
            >
              Cancel
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}
