import { describe, expect, it } from 'vitest';
import { LIMITS } from '../src/index.js';
import { reactToMessageSchema, searchMessagesSchema, searchWords } from '../src/schemas-entry.js';

describe('react_to_message schema', () => {
  const reaction = (emoji: string) => ({ chatId: 'c1', messageId: 'm1', emoji, action: 'add' });

  it.each([
    ['a plain emoji', '👍'],
    ['a skin tone', '👍🏽'],
    ['a ZWJ family', '👨‍👩‍👧‍👦'],
    ['a flag', '🇳🇱'],
    ['a keycap', '1️⃣'],
    ['a heart with its variation selector', '❤️'],
  ])('accepts %s', (_name, emoji) => {
    expect(reactToMessageSchema.safeParse(reaction(emoji)).success).toBe(true);
  });

  it.each([
    ['text', 'ok'],
    ['two emojis', '👍👍'],
    ['an emoji and a space', '👍 '],
    ['nothing', ''],
    ['a digit alone', '1'],
    ['an emoticon', ':)'],
  ])('refuses %s', (_name, emoji) => {
    expect(reactToMessageSchema.safeParse(reaction(emoji)).success).toBe(false);
  });

  it('takes add or remove only', () => {
    expect(reactToMessageSchema.safeParse({ ...reaction('👍'), action: 'toggle' }).success).toBe(false);
  });
});

describe('search_messages schema', () => {
  it('needs a letter or a digit, and keeps at most 8 words, lower-cased', () => {
    expect(searchMessagesSchema.safeParse({ query: ' ?! ' }).success).toBe(false);
    expect(searchMessagesSchema.parse({ query: 'Goal!' })).toEqual({ query: 'Goal!', limit: 20 });
    expect(searchWords('Élan, "quoted" OR*  x-y 42')).toEqual(['élan', 'quoted', 'or', 'x', 'y', '42']);
    expect(searchWords('a b c d e f g h i j')).toHaveLength(LIMITS.searchMaxWords);
  });
});
