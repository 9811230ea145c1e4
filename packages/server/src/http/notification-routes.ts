import {
  type GroupMembersResult,
  ingestNotificationSchema,
  patchGroupMembersSchema,
  setGroupMembersSchema,
  webhookNotificationSchema,
} from '@mpi/protocol';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import type { NotificationService } from '../notifications/service.js';
import type { Storage } from '../storage/storage.js';
import {
  deliveryOf,
  parseBody,
  pathId,
  prepareSignedScope,
  type SignedApiDeps,
  sendStored,
} from './signed-api.js';

export interface NotificationRouteDeps extends SignedApiDeps {
  service: NotificationService;
  storage: Storage;
}

/**
 * The signed API for the platform's backend: notifications, generic webhooks and audience groups. Every
 * route checks the signature first; every mutation needs a delivery id and is idempotent on it.
 */
export function registerNotificationRoutes(app: FastifyInstance, deps: NotificationRouteDeps): void {
  void app.register(async (scope) => {
    prepareSignedScope(scope, deps);
    const groups = deps.storage.notifications;
    const now = () => new Date(deps.now());
    const membersAnswer = (groupId: string) => (members: string[]) => ({
      status: 200,
      body: { groupId, members } satisfies GroupMembersResult,
    });

    scope.post('/api/v1/notifications', async (request, reply) => {
      const delivery = deliveryOf(request);
      const input = parseBody(request, ingestNotificationSchema);
      const answer = await deps.service.ingest(input, delivery);
      return sendStored(reply, answer, answer.replayed);
    });

    scope.post('/api/v1/webhooks/:source', async (request, reply) => {
      const source = pathId((request.params as { source?: unknown }).source, 'source');
      const delivery = deliveryOf(request);
      const input = parseBody(request, webhookNotificationSchema);
      const answer = await deps.service.webhook(source, input, delivery);
      return sendStored(reply, answer, answer.replayed);
    });

    scope.get('/api/v1/groups/:groupId/members', async (request) => {
      const groupId = pathId((request.params as { groupId?: unknown }).groupId, 'groupId');
      const members = await groups.groupMembers(groupId);
      if (members === null) throw new AppError('GROUP_NOT_FOUND');
      return { groupId, members } satisfies GroupMembersResult;
    });

    scope.put('/api/v1/groups/:groupId/members', async (request, reply) => {
      const groupId = pathId((request.params as { groupId?: unknown }).groupId, 'groupId');
      const delivery = deliveryOf(request);
      const { members } = parseBody(request, setGroupMembersSchema);
      const outcome = await groups.setGroupMembers(groupId, members, {
        now: now(),
        delivery,
        respond: membersAnswer(groupId),
      });
      return sendStored(reply, outcome.response, outcome.replayed);
    });

    scope.patch('/api/v1/groups/:groupId/members', async (request, reply) => {
      const groupId = pathId((request.params as { groupId?: unknown }).groupId, 'groupId');
      const delivery = deliveryOf(request);
      const change = parseBody(request, patchGroupMembersSchema);
      const outcome = await groups.patchGroupMembers(
        groupId,
        { add: change.add ?? [], remove: change.remove ?? [] },
        { now: now(), delivery, respond: membersAnswer(groupId) },
      );
      return sendStored(reply, outcome.response, outcome.replayed);
    });

    scope.delete('/api/v1/groups/:groupId', async (request, reply) => {
      const groupId = pathId((request.params as { groupId?: unknown }).groupId, 'groupId');
      const delivery = deliveryOf(request);
      const outcome = await groups.deleteGroup(groupId, {
        now: now(),
        delivery,
        respond: (existed) =>
          existed
            ? { status: 204, body: null }
            : { status: 404, body: { error: new AppError('GROUP_NOT_FOUND').toBody() } },
      });
      return sendStored(reply, outcome.response, outcome.replayed);
    });
  });
}
