/**
 * `npm run expire:dry-run`: asks the running local stack's `expire` function what it would delete
 * now, without deleting anything, through the Lambda Invoke API (LAMBDA_PORT, default 3002).
 * FUNCTION_NAME overrides the deployed name (default `im-retention-local-expire`).
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

const port = Number(process.env.LAMBDA_PORT ?? 3002);
const functionName = process.env.FUNCTION_NAME ?? 'im-retention-local-expire';

const client = new LambdaClient({
  region: process.env.AWS_REGION ?? 'us-east-1',
  endpoint: `http://127.0.0.1:${port}`,
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  requestHandler: { requestTimeout: 300_000 },
});

const response = await client.send(
  new InvokeCommand({
    FunctionName: functionName,
    InvocationType: 'RequestResponse',
    Payload: new TextEncoder().encode(JSON.stringify({ dryRun: true })),
  }),
);
const payload = response.Payload ? new TextDecoder().decode(response.Payload) : '';
if (response.FunctionError) {
  console.error(`expire failed (${response.FunctionError}): ${payload}`);
  process.exit(1);
}
const report = JSON.parse(payload) as {
  cutoff: string;
  categories: Record<
    string,
    { due: number; holding: number; withinGrace: number; oldestOverdueSecondsBefore: number }
  >;
};
console.log(`expire --dry-run (cutoff ${report.cutoff}): nothing was deleted`);
console.table(
  Object.fromEntries(
    Object.entries(report.categories).map(([category, c]) => [
      category,
      {
        wouldDelete: c.due,
        wouldHold: c.holding,
        withinGrace: c.withinGrace,
        oldestOverdueSeconds: c.oldestOverdueSecondsBefore,
      },
    ]),
  ),
);
console.log(JSON.stringify(report, null, 2));
client.destroy();
