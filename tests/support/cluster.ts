import {
  createTestDatabase,
  freePort,
  postgresAvailable,
  ServerProcess,
  type TestDatabase,
} from '@mpi/test-kit';
import { signToken } from '../../packages/server/src/auth/tokens.js';
import {
  PrivateRedis,
  privateServicesAvailable,
} from '../../packages/server/test/support/private-services.js';

export interface TestCluster {
  postgres: TestDatabase;
  /** Private to the cluster (a free port): a test may kill and restart it. */
  redis: PrivateRedis;
  /** Not started; start the ones the test needs. */
  nodes: ServerProcess[];
  token(userId: string): Promise<string>;
  /** SIGKILLs every node and Redis, drops the database. */
  stop(): Promise<void>;
}

/**
 * Server processes on one throwaway database of the shared PostgreSQL (which no test stops) and one
 * private Redis. Null where this machine cannot run private services or has no PostgreSQL.
 */
export async function createCluster(
  size: number,
  jwtSecret: string,
  env: Record<string, string> = {},
): Promise<TestCluster | null> {
  if (!(await privateServicesAvailable())) return null;
  if (!postgresAvailable()) return null;
  const postgres = await createTestDatabase('postgres');
  const redis = await PrivateRedis.start();
  const nodeEnv = {
    JWT_SECRET: jwtSecret,
    DATABASE_URL: postgres.url,
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: `cluster-${process.pid}-${redis.port}`,
    ...env,
  };
  const nodes: ServerProcess[] = [];
  for (let i = 0; i < size; i++) nodes.push(new ServerProcess(await freePort(), nodeEnv));
  return {
    postgres,
    redis,
    nodes,
    token: async (userId) => (await signToken(jwtSecret, userId, { ttlSeconds: 600 })).token,
    async stop() {
      for (const node of nodes) await node.kill();
      await redis.kill();
      await postgres.remove();
    },
  };
}
