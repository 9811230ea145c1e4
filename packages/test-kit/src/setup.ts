import { afterAll } from 'vitest';
import { disposeLeftovers } from './cleanup.js';

// Vitest `setupFiles`: registered before the test file's own hooks, so it runs after all of them.
afterAll(disposeLeftovers);
