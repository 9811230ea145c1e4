/**
 * Runs the MPI Realtime server's own entry point (packages/server/src/main.ts) in this process, exactly as
 * `node --conditions=source --import tsx packages/server/src/main.ts` does, plus one thing: when the
 * harness that forked it goes away (even if killed with SIGKILL), the IPC channel closes and this sends
 * the server SIGTERM, so that no server outlives a benchmark.
 */
process.on('disconnect', () => {
  process.kill(process.pid, 'SIGTERM');
  setTimeout(() => process.exit(1), 10_000).unref();
});

const main = new URL('../../../packages/server/src/main.ts', import.meta.url);
await import(main.href);
