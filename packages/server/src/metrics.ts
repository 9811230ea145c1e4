import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one server instance; each instance has its own registry so tests can run many. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    connections: new Gauge({
      name: 'mpi_socket_connections',
      help: 'Open Socket.IO connections',
      registers: [registry],
    }),
    connectionsTotal: new Counter({
      name: 'mpi_socket_connections_total',
      help: 'Socket.IO handshakes, by result',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    events: new Counter({
      name: 'mpi_socket_events_total',
      help: 'Inbound client events, by event and outcome',
      labelNames: ['event', 'outcome'] as const,
      registers: [registry],
    }),
    eventDuration: new Histogram({
      name: 'mpi_socket_event_duration_seconds',
      help: 'Time to handle an inbound client event',
      labelNames: ['event'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    connectionsPaused: new Counter({
      name: 'mpi_socket_reads_paused_total',
      help: 'Times a connection stopped being read because too many of its (or all) events were in flight',
      registers: [registry],
    }),
    pausedConnections: new Gauge({
      name: 'mpi_socket_paused_connections',
      help: 'Connections not being read right now, waiting for their events in flight to drain',
      registers: [registry],
    }),
    redisLinked: new Gauge({
      name: 'mpi_redis_linked',
      help: '1 while both Redis connections are up (broadcasts reach every node); 0 while degraded',
      registers: [registry],
    }),
    redisPublishFailures: new Counter({
      name: 'mpi_redis_publish_failures_total',
      help: 'Broadcasts that reached only this node because Redis was unreachable',
      registers: [registry],
    }),
    resyncs: new Counter({
      name: 'mpi_resyncs_total',
      help: 'Catch-ups run again for connected sockets after the Redis link came back',
      registers: [registry],
    }),
    securityRefusals: new Counter({
      name: 'mpi_security_refusals_total',
      help: 'Refused authentications, authorizations, origins, rate-limit hits and protocol violations',
      labelNames: ['kind', 'code'] as const,
      registers: [registry],
    }),
    userExports: new Counter({
      name: 'mpi_user_exports_total',
      help: "Exports of a user's data, by who asked (self, operator)",
      labelNames: ['by'] as const,
      registers: [registry],
    }),
    userErasures: new Counter({
      name: 'mpi_user_erasures_total',
      help: "Erasures of a user's data, by who asked (self, operator) and whether anything was left",
      labelNames: ['by', 'result'] as const,
      registers: [registry],
    }),
    messagesStored: new Counter({
      name: 'mpi_messages_stored_total',
      help: 'Chat messages persisted',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
