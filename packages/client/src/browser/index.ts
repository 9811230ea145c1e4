/**
 * Browser-only parts of the SDK, beside `@mpi/client/node`: the IndexedDB outbox that keeps unsent messages
 * across a reload, and Web Push. `import { IndexedDbOutboxStore, enablePush } from '@mpi/client/browser'`.
 * Apart from the main entry so that an app pays for them only when it uses them.
 */
export {
  type IdbFactoryLike,
  IndexedDbOutboxStore,
  type IndexedDbOutboxStoreOptions,
} from '../outbox/indexeddb-store.js';
export { disablePush, enablePush, type PushManagerLike, type PushSubscriptionLike } from './push.js';
