// biome-ignore lint/suspicious/noExplicitAny: handler parameter lists vary per event.
type AnyHandler = (...args: any[]) => void;

/**
 * A small typed event emitter. A handler that throws is reported with console.error and does not stop the
 * other handlers. Registering the same handler twice for one event keeps one registration.
 */
export class Emitter<Events extends { [K in keyof Events]: AnyHandler }> {
  readonly #handlers = new Map<keyof Events, Set<AnyHandler>>();

  on<E extends keyof Events>(event: E, handler: Events[E]): void {
    let set = this.#handlers.get(event);
    if (!set) {
      set = new Set();
      this.#handlers.set(event, set);
    }
    set.add(handler);
  }

  /** Without a handler, removes every handler of the event. */
  off<E extends keyof Events>(event: E, handler?: Events[E]): void {
    if (!handler) {
      this.#handlers.delete(event);
      return;
    }
    const set = this.#handlers.get(event);
    if (!set) return;
    set.delete(handler);
    if (set.size === 0) this.#handlers.delete(event);
  }

  emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): void {
    const set = this.#handlers.get(event);
    if (!set) return;
    // A copy: handlers may add or remove handlers while we iterate.
    for (const handler of [...set]) {
      try {
        handler(...args);
      } catch (error) {
        console.error(`[SocketService] a handler of "${String(event)}" threw:`, error);
      }
    }
  }

  /** Handlers of one event, or of all events. */
  listenerCount(event?: keyof Events): number {
    if (event !== undefined) return this.#handlers.get(event)?.size ?? 0;
    let total = 0;
    for (const set of this.#handlers.values()) total += set.size;
    return total;
  }

  clear(): void {
    this.#handlers.clear();
  }
}
