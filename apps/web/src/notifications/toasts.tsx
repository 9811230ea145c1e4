import type { NotificationEventName } from '@mpi/protocol';
import { CATEGORY_LABEL, type NotificationText } from './describe.js';

export interface Toast extends NotificationText {
  id: string;
  event: NotificationEventName;
}

export interface ToastsProps {
  toasts: readonly Toast[];
  onDismiss(id: string): void;
  onOpen(): void;
}

/** Short-lived cards for new notifications, announced politely to screen readers. */
export function Toasts({ toasts, onDismiss, onOpen }: ToastsProps) {
  return (
    <section className="toasts" aria-label="New notifications" aria-live="polite" aria-relevant="additions">
      {toasts.map((toast) => (
        <div key={toast.id} className={`toast category-${toast.category}`} data-event={toast.event}>
          <button type="button" className="toast-body" onClick={onOpen}>
            <span className="notification-category">{CATEGORY_LABEL[toast.category]}</span>
            <span className="notification-title">{toast.title}</span>
            {toast.body && <span className="notification-body">{toast.body}</span>}
          </button>
          <button
            type="button"
            className="toast-close"
            aria-label={`Dismiss: ${toast.title}`}
            onClick={() => onDismiss(toast.id)}
          >
            ×
          </button>
        </div>
      ))}
    </section>
  );
}
