import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROUTES, routeKey } from '../../lib/http/routes.js';
import { renderApiReference } from '../../scripts/docs/api-reference.js';

const committed = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');

describe('docs/api.md', () => {
  it('is exactly what lib/http/routes.ts and functions/openapi/document.ts render (run `npm run docs:api` after changing a route)', () => {
    expect(committed === renderApiReference(), 'docs/api.md is stale: run npm run docs:api').toBe(true);
  });

  it('has a section, with its answers, for every route GET /openapi.json documents', () => {
    for (const route of ROUTES) {
      const section = committed.split(`### \`${routeKey(route)}\``)[1]?.split('\n### ')[0] ?? '';
      expect(section, routeKey(route)).toContain('| status | meaning | body |');
      for (const status of Object.keys(route.answers))
        expect(section, routeKey(route)).toContain(`| ${status} |`);
    }
  });
});
