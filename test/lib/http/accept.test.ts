import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prefersHtml } from '../../../lib/http/accept.js';

describe('prefersHtml', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['*/*', false],
    ['application/json', false],
    ['text/html', true],
    ['TEXT/HTML', true],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8', true],
    ['application/json, text/html', false],
    ['text/html;q=0.5, application/json', false],
    ['text/html, application/json;q=0.9', true],
    ['text/*', true],
    ['text/*, application/json', false],
    ['text/html;q=0, */*', false],
    ['text/html;q=abc', false],
    ['garbage', false],
  ])('for Accept %j answers %s', (accept, expected) => {
    expect(prefersHtml(accept)).toBe(expected);
  });

  it('never throws and is false whenever JSON is accepted at least as much as HTML', () => {
    const q = fc.integer({ min: 0, max: 1000 }).map((n) => n / 1000);
    fc.assert(
      fc.property(q, q, fc.boolean(), (html, json, jsonFirst) => {
        const parts = [`text/html;q=${html}`, `application/json;q=${json}`];
        const header = (jsonFirst ? parts.reverse() : parts).join(', ');
        expect(prefersHtml(header)).toBe(html > json);
      }),
    );
    fc.assert(fc.property(fc.string(), (header) => typeof prefersHtml(header) === 'boolean'));
  });
});
