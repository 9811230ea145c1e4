import { z } from 'zod';
import { userIdSchema } from './schemas.js';

/** `DELETE /api/me`: the caller repeats their own user id (checked against the token). */
export const eraseMeSchema = z.strictObject({ confirm: userIdSchema });
