import type { ErrorBody } from '@mpi/protocol';
import { errorOf, isErrorBody } from '../errors.js';

/** `GET /api/files/:id`: the bytes of an attachment (or its thumbnail) as a Blob, with the user's token. */
export async function downloadFile(
  url: string,
  token: string,
): Promise<{ ok: true; blob: Blob } | { ok: false; error: ErrorBody }> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  } catch (error) {
    return {
      ok: false,
      error: errorOf('UNAVAILABLE', error instanceof Error ? error.message : String(error)),
    };
  }
  if (response.ok) return { ok: true, blob: await response.blob() };
  const body = (await response.json().catch(() => ({}))) as { error?: unknown };
  return {
    ok: false,
    error: isErrorBody(body.error) ? body.error : errorOf('INTERNAL', `HTTP ${response.status}`),
  };
}
