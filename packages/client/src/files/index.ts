// `@mpi/client/files`: the tus uploader behind `sendFile`, an entry of its own so that apps without files do
// not bundle tus-js-client (about 17 kB gzip): `createSocketService({ uploader: tusUploader })`.
export { tusUploader } from './tus-uploader.js';
