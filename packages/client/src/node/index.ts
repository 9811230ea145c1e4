/** Node-only parts of the SDK: `import { FileOutboxStore } from '@mpi/client/node'`. */
export { FileOutboxStore } from './file-outbox-store.js';
