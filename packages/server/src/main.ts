import { createServer } from './app.js';
import { ConfigError, loadConfig } from './config.js';

/** The process entry point: the only place that reads the environment and handles signals. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }

  const server = await createServer(config);
  const url = await server.listen();
  server.log.info(
    { url, storage: server.storage.dialect, env: config.env, uptimeMs: Math.round(performance.now()) },
    `MPI Realtime listening at ${url} (storage: ${server.storage.dialect})`,
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      server.log.warn({ signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    stopping = true;
    server.log.info({ signal }, 'signal received');
    setTimeout(() => {
      server.log.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown took too long: exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error('MPI Realtime failed to start:', error);
  process.exit(1);
});
