import { openApiDocument } from '../../functions/openapi/document.js';
import { type Actor, ROUTES, type RouteDoc, routeKey } from '../../lib/http/routes.js';

/**
 * docs/api.md, rendered from the same route table and zod schemas as `GET /openapi.json`
 * (lib/http/routes.ts), so the two cannot drift: test/docs/api-reference.test.ts fails when the
 * committed file differs from this output (`npm run docs:api` rewrites it).
 */
const WHO: Readonly<Record<Actor, string>> = {
  public: 'anyone',
  operator: 'operator',
  appAdmin: 'app admin',
  imService: 'IM service',
};

interface Operation {
  readonly parameters?: ReadonlyArray<{ name: string; in: string; required: boolean }>;
  readonly requestBody?: { required: boolean; content: Record<string, { schema?: { $ref?: string } }> };
  readonly responses: Record<
    string,
    { description: string; content: Record<string, { schema?: { $ref?: string } }> }
  >;
}

const schemaName = (ref: string | undefined) => ref?.replace('#/components/schemas/', '');
const schemaLink = (name: string | undefined) => (name ? `[\`${name}\`](#${name.toLowerCase()})` : '—');
const anchor = (route: RouteDoc) =>
  routeKey(route)
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');

const HEADER = `# HTTP API reference

Generated from \`lib/http/routes.ts\` and \`functions/openapi/document.ts\` (the route table and the zod
schemas \`GET /openapi.json\` is made from) by \`npm run docs:api\`; \`npm test\` fails when this file and the code disagree. Do not edit by hand.

## Who calls, and how each authenticates

| who | authentication |
| --- | --- |
| IM service | query \`SdkAppid\`, \`RequestTime\` (unix seconds, within 60 s of now) and \`Sign\` = lowercase hex \`sha256(callback token + RequestTime)\`; the app must be registered and active. How to configure Tencent IM: [tencent-im.md](tencent-im.md) |
| operator | \`Authorization: Bearer <token>\`: \`OPERATOR_TOKEN\` locally, an SSM SecureString when deployed ([deploy.md](deploy.md)) |
| app admin | Tencent's REST convention: query \`sdkappid\` (equal to the app in the path), \`identifier\` (the app's \`adminAccount\`), \`usersig\` (an unexpired TLS-Sig v2 UserSig made with the app's \`secretKey\`, e.g. by Tencent's \`tls-sig-api-v2\`), \`random\` (a 32-bit integer) |
| anyone | nothing |

A missing or bad credential is 401; a valid one for another app or role is 403. An app admin never
reaches another app's data. Examples against \`npm start\` (port 3000):

\`\`\`sh
# operator
curl -s -H "authorization: Bearer $OPERATOR_TOKEN" http://localhost:3000/apps/1400000001
# app admin (UserSig from tls-sig-api-v2: new (require('tls-sig-api-v2').Api)(sdkAppId, secretKey).genSig(admin, 3600))
curl -s "http://localhost:3000/apps/1400000001/users/alice/data?sdkappid=1400000001&identifier=administrator&usersig=$USERSIG&random=42&contenttype=json"
# anyone
curl -s http://localhost:3000/policy
\`\`\`

The operator's evidence as a page: open \`/conformance/dashboard\` in a browser and type the token; the
page (public, it holds no data) reads \`GET /conformance\`, \`GET /conformance/history\`, \`GET /deletion-requests\`
and \`GET /apps/{sdkAppId}/legal-holds\` with it, keeping it in memory only.

## Answers and errors

Admin routes speak JSON. Every error is \`application/problem+json\` (RFC 9457) whose \`detail\` names the
offending field or reason; a 500 carries no details. Callbacks answer in Tencent's format
\`{"ActionStatus", "ErrorCode", "ErrorInfo"}\` ([tencent-im.md](tencent-im.md)). A request answered 2xx can
always be carried out: bad input is a 4xx, never a 5xx.

A change (\`PUT /apps/{sdkAppId}\`, \`PATCH …/privacy\`, \`POST\`/\`DELETE …/termination\`,
\`POST\`/\`DELETE …/legal-holds\`) is in force when its answer arrives: every request after it is handled
under the new state ([expiry.md](expiry.md), "Changes of state").
`;

function routeSection(route: RouteDoc, operation: Operation): string {
  const params = (where: string) =>
    (operation.parameters ?? []).filter((p) => p.in === where).map((p) => `\`${p.name}\``);
  const lines = [
    `### \`${routeKey(route)}\``,
    '',
    `${route.summary}.`,
    '',
    `- **Who:** ${route.actors.map((actor) => WHO[actor]).join(', ')}`,
  ];
  for (const [where, label] of [
    ['path', 'Path parameters'],
    ['query', 'Query'],
    ['header', 'Headers'],
  ] as const) {
    const names = params(where);
    if (names.length > 0) lines.push(`- **${label}:** ${names.join(', ')}`);
  }
  if (operation.requestBody) {
    const [type, media] = Object.entries(operation.requestBody.content)[0] ?? ['', {}];
    lines.push(
      `- **Body** (\`${type}\`, ${operation.requestBody.required ? 'required' : 'optional'}): ${schemaLink(schemaName(media.schema?.$ref))}`,
    );
  }
  lines.push('', '| status | meaning | body |', '| --- | --- | --- |');
  for (const [status, answer] of Object.entries(operation.responses)) {
    const [[type, media] = ['', {}], ...others] = Object.entries(answer.content);
    const alsoAs = others.map(([other]) => `, or \`${other}\``).join('');
    const body = media.schema?.$ref
      ? `${schemaLink(schemaName(media.schema.$ref))} (\`${type}\`)${alsoAs}`
      : `\`${type}\`${alsoAs}`;
    lines.push(`| ${status} | ${answer.description} | ${body} |`);
  }
  return lines.join('\n');
}

export function renderApiReference(): string {
  const document = openApiDocument();
  const paths = document.paths as Record<string, Record<string, Operation>>;
  const index = [
    '## Routes',
    '',
    '| route | who | what |',
    '| --- | --- | --- |',
    ...ROUTES.map(
      (route) =>
        `| [\`${routeKey(route)}\`](#${anchor(route)}) | ${route.actors.map((actor) => WHO[actor]).join(', ')} | ${route.summary} |`,
    ),
  ].join('\n');
  const sections = ROUTES.map((route) =>
    routeSection(route, paths[route.path]?.[route.method.toLowerCase()] as Operation),
  );
  const schemas = Object.entries(document.components.schemas).map(
    ([name, schema]) => `### ${name}\n\n\`\`\`json\n${JSON.stringify(schema, null, 2)}\n\`\`\``,
  );
  return [
    HEADER,
    index,
    '## Each route',
    ...sections,
    '## Schemas\n\nJSON Schema (draft 2020-12) of every body, as `GET /openapi.json` has them.',
    ...schemas,
  ]
    .join('\n\n')
    .concat('\n');
}
