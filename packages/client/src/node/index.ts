/** Node-only parts of the SDK: `import { FileOutboxStore } from '@mpi/client/node'`. */
export { FileDeviceIdStore } from './file-device-id-store.js';
export { fileFromBuffer, fileFromPath } from './file-from-path.js';
export { FileOutboxStore } from './file-outbox-store.js';
