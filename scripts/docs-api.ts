/** `npm run docs:api`: rewrites docs/api.md from lib/http/routes.ts and functions/openapi/document.ts (see scripts/docs/api-reference.ts). */
import { writeFileSync } from 'node:fs';
import { renderApiReference } from './docs/api-reference.js';

writeFileSync(new URL('../docs/api.md', import.meta.url), renderApiReference());
console.log('docs/api.md written');
