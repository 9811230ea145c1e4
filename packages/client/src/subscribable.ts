/**
 * The listener half of a `useSyncExternalStore` store (as TanStack Query's `Subscribable`): `subscribe`
 * is bound so it can be passed as is, and one listener that throws does not keep the others from running.
 */
export class Subscribable {
  readonly #listeners = new Set<() => void>();
  /** Names the store in the console when a listener throws. */
  readonly #name: string;

  constructor(name: string) {
    this.#name = name;
  }

  /** For `useSyncExternalStore`: runs `listener` after every change. Bound. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  };

  protected listenerCount(): number {
    return this.#listeners.size;
  }

  protected notify(): void {
    // A copy: a listener may subscribe or unsubscribe while we iterate.
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch (error) {
        console.error(`${this.#name} threw:`, error);
      }
    }
  }

  protected clearListeners(): void {
    this.#listeners.clear();
  }
}
