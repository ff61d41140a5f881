import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

/** Just enough of a CloudFormation template to inspect what `serverless package` generated. */
export interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly DependsOn?: string | string[];
  readonly Condition?: string;
}
export interface Template {
  readonly Resources: Readonly<Record<string, Resource>>;
  readonly Conditions?: Readonly<Record<string, unknown>>;
  readonly Outputs?: Readonly<Record<string, unknown>>;
}
export interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

export interface PackageResult {
  readonly dir: string;
  readonly template: Template;
  readonly seconds: number;
}

/**
 * Runs `serverless package --stage <stage> --package <tmpdir>` offline (fake credentials: packaging never calls
 * AWS) with the repository's own osls, and reads the generated update-stack template.
 */
export async function packageService(opts: {
  root: string;
  stage: string;
  env?: Record<string, string>;
}): Promise<PackageResult> {
  const dir = await mkdtemp(join(tmpdir(), `sls-package-${opts.stage}-`));
  const started = performance.now();
  try {
    await promisify(execFile)(
      process.execPath,
      [
        join(opts.root, 'node_modules/serverless/bin/serverless.js'),
        'package',
        '--stage',
        opts.stage,
        '--package',
        dir,
      ],
      {
        cwd: opts.root,
        maxBuffer: 64 * 1024 * 1024,
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'AKIAPACKAGEONLY0000',
          AWS_SECRET_ACCESS_KEY: 'package-only-not-a-secret',
          AWS_SESSION_TOKEN: '',
          AWS_PROFILE: '',
          SLS_TELEMETRY_DISABLED: '1',
          SLS_NOTIFICATIONS_MODE: 'off',
          // Its own esbuild work folder, outside the tree: a concurrent `serverless offline` (the local-stack
          // test) builds in and finally deletes .esbuild. serverless-esbuild joins it to the service directory.
          ESBUILD_WORK_FOLDER: relative(opts.root, join(dir, 'esbuild')),
          ...opts.env,
        },
      },
    );
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`serverless package --stage ${opts.stage} failed:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
  const seconds = (performance.now() - started) / 1000;
  const template = JSON.parse(
    await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as Template;
  return { dir, template, seconds };
}

export const resourcesOfType = (template: Template, type: string): Array<[string, Resource]> =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

export const asList = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** The inline policy statements of an AWS::IAM::Role. */
export function roleStatements(role: Resource): Statement[] {
  const policies = (role.Properties?.Policies ?? []) as Array<{ PolicyDocument: { Statement: Statement[] } }>;
  return policies.flatMap((policy) => policy.PolicyDocument.Statement);
}

/** The logical ids a value points at through Ref, Fn::GetAtt or `${Name}` in Fn::Sub (pseudo parameters excluded). */
export function referencedIds(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(referencedIds);
  if (node === null || typeof node !== 'object') return [];
  const out: string[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'Ref' && typeof value === 'string') out.push(value);
    else if (key === 'Fn::GetAtt')
      out.push(Array.isArray(value) ? String(value[0]) : (String(value).split('.')[0] ?? ''));
    else if (key === 'Fn::Sub' && typeof value === 'string')
      out.push(...[...value.matchAll(/\$\{([^}!.]+)[^}]*\}/g)].map(([, id]) => id as string));
    else out.push(...referencedIds(value));
  }
  return out.filter((id) => !id.startsWith('AWS::'));
}

/** Every string inside a value (for "no wildcard" checks over Fn::Join pieces and plain ARNs). */
export function stringsIn(node: unknown): string[] {
  if (typeof node === 'string') return [node];
  if (Array.isArray(node)) return node.flatMap(stringsIn);
  if (node === null || typeof node !== 'object') return [];
  return Object.values(node).flatMap(stringsIn);
}

/** The function a Lambda-targeting value points at, e.g. `{ "Fn::GetAtt": ["ExpireLambdaFunction", "Arn"] }`. */
export function targetFunction(node: unknown): string | undefined {
  return referencedIds(node).find((id) => id.endsWith('LambdaFunction'));
}
