/** "830 B", "12 KB", "3.4 MB". */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** "0:07", "2:45". */
export function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** What a message says in one line: its text, or what it carries ("🎤 Voice message", "📎 plan.pdf"). */
export function previewText(message: {
  text: string;
  attachments?: readonly { name: string; durationMs?: number }[];
}): string {
  if (message.text !== '' || !message.attachments?.length) return message.text;
  const [first] = message.attachments;
  if (first?.durationMs !== undefined) return '🎤 Voice message';
  const more = message.attachments.length > 1 ? ` +${message.attachments.length - 1}` : '';
  return `📎 ${first?.name ?? 'File'}${more}`;
}
