/** The members whose `@userId` the text contains (the composer's completion writes ids). */
export function mentionsIn(text: string, members: readonly string[], me: string): string[] {
  return members.filter(
    (id) => id !== me && new RegExp(`(^|\\s)@${escapeRegExp(id)}(?=$|[\\s,.!?;:])`).test(text),
  );
}

function escapeRegExp(id: string): string {
  return id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
