import {
  type AckedClientEvent,
  type AckOf,
  type ClientEventResult,
  LIMITS,
  type PeopleSnapshot,
  type UserPresence,
  type UserProfile,
  type UserSettings,
} from '@mpi/protocol';
import { Subscribable } from '../subscribable.js';

/** What the people store needs from the service: its `request` (resolves with the ack, never rejects). */
export interface PeopleTransport {
  getProfiles(userIds: string[]): Promise<AckOf<'get_profiles'>>;
}

/**
 * Names, avatars and presence of the people the user shares chats with, and the user's own settings,
 * kept by the service from the acks that carry them (`setup_user`, `list_chats`, `get_members`,
 * `get_profiles`, `update_profile`) and the live `profile_updated`, `presence_updated` and
 * `settings_updated`. Presence is forgotten while disconnected (it is unknown then) and comes back with
 * the chat list the service reloads after a reconnect. Framework-free; React binds with
 * `useSyncExternalStore(people.subscribe, () => people.getProfile(id))`.
 */
export class PeopleStore extends Subscribable {
  readonly #transport: PeopleTransport;
  #profiles = new Map<string, UserProfile>();
  #presence = new Map<string, UserPresence>();
  #settings: UserSettings | null = null;
  readonly #loading = new Set<string>();
  #version = 0;

  constructor(transport: PeopleTransport) {
    super('[SocketService] a people store listener');
    this.#transport = transport;
  }

  /** The profile of a user, the same object until it changes; undefined until known. Bound. */
  readonly getProfile = (userId: string): UserProfile | undefined => this.#profiles.get(userId);

  /** Online and last seen of a user who shares a chat with you; undefined when unknown. Bound. */
  readonly getPresence = (userId: string): UserPresence | undefined => this.#presence.get(userId);

  /** Your own settings, from `setup_user`; null before it. Bound. */
  readonly getSettings = (): UserSettings | null => this.#settings;

  /** Grows with every change: one number to subscribe to for "anything about people changed". Bound. */
  readonly getVersion = (): number => this.#version;

  /** The name to show: the display name, else the user id. */
  displayName(userId: string): string {
    return this.#profiles.get(userId)?.name ?? userId;
  }

  /** Fetches the profiles (and presence) of users not known yet, such as former members who wrote. */
  async loadProfiles(userIds: readonly string[]): Promise<boolean> {
    const missing = [...new Set(userIds)].filter((id) => !this.#profiles.has(id) && !this.#loading.has(id));
    if (missing.length === 0) return true;
    for (const id of missing) this.#loading.add(id);
    let ok = true;
    try {
      for (let i = 0; i < missing.length; i += LIMITS.profilesPerRequest) {
        const ack = await this.#transport.getProfiles(missing.slice(i, i + LIMITS.profilesPerRequest));
        if (ack.ok) this.applySnapshot(ack);
        else ok = false;
      }
    } finally {
      for (const id of missing) this.#loading.delete(id);
    }
    return ok;
  }

  /** Takes what an ack of the service carries about people. */
  absorb(event: AckedClientEvent, ack: { ok: boolean }): void {
    if (!ack.ok) return;
    if (event === 'list_chats' || event === 'get_members' || event === 'get_profiles') {
      this.applySnapshot(ack as unknown as PeopleSnapshot);
    } else if (event === 'setup_user') {
      const { user, settings } = ack as unknown as ClientEventResult<'setup_user'>;
      this.applyProfile(user);
      this.applySettings(settings);
    } else if (event === 'update_profile') {
      this.applyProfile((ack as unknown as ClientEventResult<'update_profile'>).user);
    } else if (event === 'set_presence_hidden') {
      this.applySettings((ack as unknown as ClientEventResult<'set_presence_hidden'>).settings);
    }
  }

  /** Takes the live events about people; returns false for any other event. */
  handle(event: string, args: unknown[]): boolean {
    const [payload] = args;
    if (event === 'profile_updated') this.applyProfile(payload as UserProfile);
    else if (event === 'presence_updated') this.applyPresence(payload as UserPresence);
    else if (event === 'settings_updated') this.applySettings(payload as UserSettings);
    else return false;
    return true;
  }

  applySnapshot({ profiles, presence }: PeopleSnapshot): void {
    let changed = false;
    for (const profile of profiles) changed = this.#setProfile(profile) || changed;
    for (const entry of presence) changed = this.#setPresence(entry) || changed;
    if (changed) this.#changed();
  }

  applyProfile(profile: UserProfile): void {
    if (this.#setProfile(profile)) this.#changed();
  }

  applyPresence(presence: UserPresence): void {
    if (this.#setPresence(presence)) this.#changed();
  }

  /**
   * Your settings changed (here or on another device). Hiding your presence hides everyone's last seen
   * from you: forgotten at once; showing it again fetches theirs.
   */
  applySettings(settings: UserSettings): void {
    const before = this.#settings;
    if (before?.hidePresence === settings.hidePresence) return;
    this.#settings = settings;
    if (settings.hidePresence) {
      for (const [id, entry] of this.#presence) {
        if (entry.lastSeenAt !== null) this.#presence.set(id, { ...entry, lastSeenAt: null });
      }
    } else if (before !== null) {
      void this.#refreshPresence();
    }
    this.#changed();
  }

  /** The connection dropped: nobody's presence is known until the next list. */
  forgetPresence(): void {
    if (this.#presence.size === 0) return;
    this.#presence = new Map();
    this.#changed();
  }

  #changed(): void {
    this.#version += 1;
    this.notify();
  }

  override listenerCount(): number {
    return super.listenerCount();
  }

  destroy(): void {
    this.clearListeners();
  }

  async #refreshPresence(): Promise<void> {
    const ids = [...this.#presence.keys()];
    for (let i = 0; i < ids.length; i += LIMITS.profilesPerRequest) {
      const ack = await this.#transport.getProfiles(ids.slice(i, i + LIMITS.profilesPerRequest));
      if (ack.ok) this.applySnapshot(ack);
    }
  }

  #setProfile(profile: UserProfile): boolean {
    const previous = this.#profiles.get(profile.id);
    if (previous && previous.name === profile.name && previous.avatarUrl === profile.avatarUrl) return false;
    this.#profiles.set(profile.id, Object.freeze({ ...profile }));
    return true;
  }

  #setPresence(presence: UserPresence): boolean {
    const previous = this.#presence.get(presence.userId);
    const shown = this.#settings?.hidePresence ? { ...presence, lastSeenAt: null } : presence;
    if (previous && previous.online === shown.online && previous.lastSeenAt === shown.lastSeenAt)
      return false;
    this.#presence.set(presence.userId, Object.freeze({ ...shown }));
    return true;
  }
}
