// `@mpi/client/files`: the tus uploader behind `sendFile` and the browser's store of pending uploads, an
// entry of its own so that apps without files do not bundle tus-js-client (about 17 kB gzip):
// `createSocketService({ uploader: tusUploader, uploadStore: new IndexedDbUploadStore() })`.
export { IndexedDbUploadStore } from './indexeddb-upload-store.js';
export { tusUploader } from './tus-uploader.js';
