/** Module hooks of kysely-fifo-mutex.mjs: rewrites Kysely's SQLite driver as it is loaded. */
const FIFO_MUTEX = `class ConnectionMutex {
    #locked = false;
    #waiters = [];
    #head = 0;
    async lock() {
        if (!this.#locked) {
            this.#locked = true;
            return;
        }
        await new Promise((resolve) => this.#waiters.push(resolve));
    }
    unlock() {
        if (this.#head < this.#waiters.length) {
            const next = this.#waiters[this.#head];
            this.#waiters[this.#head++] = undefined;
            if (this.#head > 1024 && this.#head * 2 > this.#waiters.length) {
                this.#waiters = this.#waiters.slice(this.#head);
                this.#head = 0;
            }
            next();
        } else {
            this.#locked = false;
        }
    }
}
`;

export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  if (!url.endsWith('/kysely/dist/esm/dialect/sqlite/sqlite-driver.js')) return result;
  const source = String(result.source);
  const patched = source.replace(/class ConnectionMutex \{[\s\S]*?\n\}\n/, FIFO_MUTEX);
  if (patched === source) throw new Error('kysely-fifo-mutex: ConnectionMutex not found in sqlite-driver.js');
  return { ...result, source: patched };
}
