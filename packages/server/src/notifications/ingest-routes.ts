import type { GroupMembersResult } from '@mpi/protocol';
import {
  ingestNotificationSchema,
  patchGroupMembersSchema,
  setGroupMembersSchema,
  webhookNotificationSchema,
} from '@mpi/protocol/schemas';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import type { NotificationStorage } from '../storage/notifications/notification-storage.js';
import type { NotificationService } from './service.js';
import { registerSignedApi, type SignedApiDeps } from './signed-api.js';

export interface IngestRouteDeps extends SignedApiDeps {
  service: NotificationService;
  storage: NotificationStorage;
}

/**
 * The signed API for the platform's backend: notifications, generic webhooks and audience groups. Every
 * route checks the signature first; every mutation needs a delivery id and is idempotent on it.
 */
export function registerIngestRoutes(app: FastifyInstance, deps: IngestRouteDeps): void {
  const { service, storage } = deps;
  const now = () => new Date(deps.now());
  const membersAnswer = (groupId: string) => (members: string[]) => ({
    status: 200,
    body: { groupId, members } satisfies GroupMembersResult,
  });

  registerSignedApi(app, deps, (api) => {
    api.mutation('POST', '/api/v1/notifications', { body: ingestNotificationSchema }, ({ body, delivery }) =>
      service.ingest(body, delivery),
    );

    api.mutation(
      'POST',
      '/api/v1/webhooks/:source',
      { params: ['source'], body: webhookNotificationSchema },
      ({ params, body, delivery }) => service.webhook(params.source ?? '', body, delivery),
    );

    api.query('/api/v1/groups/:groupId/members', { params: ['groupId'] }, async ({ groupId = '' }) => {
      const members = await storage.groupMembers(groupId);
      if (members === null) throw new AppError('GROUP_NOT_FOUND');
      return { groupId, members } satisfies GroupMembersResult;
    });

    api.mutation(
      'PUT',
      '/api/v1/groups/:groupId/members',
      { params: ['groupId'], body: setGroupMembersSchema },
      ({ params: { groupId = '' }, body, delivery }) =>
        storage.setGroupMembers(groupId, body.members, {
          now: now(),
          delivery,
          respond: membersAnswer(groupId),
        }),
    );

    api.mutation(
      'PATCH',
      '/api/v1/groups/:groupId/members',
      { params: ['groupId'], body: patchGroupMembersSchema },
      ({ params: { groupId = '' }, body, delivery }) =>
        storage.patchGroupMembers(
          groupId,
          { add: body.add ?? [], remove: body.remove ?? [] },
          { now: now(), delivery, respond: membersAnswer(groupId) },
        ),
    );

    api.mutation(
      'DELETE',
      '/api/v1/groups/:groupId',
      { params: ['groupId'] },
      ({ params: { groupId = '' }, delivery }) =>
        storage.deleteGroup(groupId, {
          now: now(),
          delivery,
          respond: (existed) =>
            existed
              ? { status: 204, body: null }
              : { status: 404, body: { error: new AppError('GROUP_NOT_FOUND').toBody() } },
        }),
    );
  });
}
