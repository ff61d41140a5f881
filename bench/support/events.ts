import { createHash, randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

/** A Tencent IM callback as API Gateway (HTTP API, payload 2.0) hands it over, signed like Tencent does. */
export function callbackEvent(opts: {
  sdkAppId: string;
  token: string;
  command: string;
  body: unknown;
}): APIGatewayProxyEventV2 {
  const requestTime = String(Math.floor(Date.now() / 1000));
  const query = {
    SdkAppid: opts.sdkAppId,
    CallbackCommand: opts.command,
    contenttype: 'json',
    ClientIP: '198.51.100.23',
    OptPlatform: 'iOS',
    RequestTime: requestTime,
    Sign: createHash('sha256').update(`${opts.token}${requestTime}`).digest('hex'),
  };
  return {
    version: '2.0',
    routeKey: 'POST /im/callback',
    rawPath: '/im/callback',
    rawQueryString: new URLSearchParams(query).toString(),
    headers: { 'content-type': 'application/json; charset=utf-8' },
    queryStringParameters: query,
    body: JSON.stringify(opts.body),
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'bench',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: 'POST',
        path: '/im/callback',
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'bench',
      },
      requestId: `req-${randomBytes(6).toString('hex')}`,
      routeKey: 'POST /im/callback',
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
  };
}

/** A Lambda context with `timeoutMs` to run. */
export function lambdaContext(timeoutMs = 900_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'bench',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench',
    memoryLimitInMB: '512',
    awsRequestId: `bench-${randomBytes(8).toString('hex')}`,
    logGroupName: '/aws/lambda/bench',
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
