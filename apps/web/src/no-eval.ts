import { config } from 'zod';

// The server's CSP has no 'unsafe-eval': zod would probe `new Function` for its compiled parsers (a CSP
// violation each page load) and fall back anyway. Imported first by main.tsx, before any schema runs.
config({ jitless: true });
