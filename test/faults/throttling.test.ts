import { createServer, request, type Server } from 'node:http';
import { PutResourcePolicyCommand, CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kmsClient } from '../../src/aws/clients/kms.js';
import { secretsManagerClient } from '../../src/aws/clients/secrets-manager.js';
import { readInventory } from '../../src/inventory/index.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';

// A proxy in front of the emulator answers every third GetResourcePolicy with AWS's throttling error, as Secrets
// Manager does above its quota; the real SDK client, with vigil's retry settings, must back off and finish the sweep.
let emulator: Emulator;
let proxy: Server;
let proxyUrl: string;
let throttled = 0;
let policyCalls = 0;

beforeAll(async () => {
  emulator = await startEmulator();
  const sm = secretsManagerClient(emulator.aws());
  for (let i = 0; i < 24; i++) {
    const { ARN } = await sm.send(new CreateSecretCommand({ Name: `throttle/${i}`, SecretString: 'v' }));
    await sm.send(new PutResourcePolicyCommand({ SecretId: ARN, ResourcePolicy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::123456789012:role/r${i}` }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }] }) }));
  }
  const target = new URL(emulator.endpoint);
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.headers['x-amz-target'] === 'secretsmanager.GetResourcePolicy' && ++policyCalls % 3 === 0) {
        throttled += 1;
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'ThrottlingException' });
        res.end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }));
        return;
      }
      const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 500, answer.headers);
        answer.pipe(res);
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()));
  const address = proxy.address();
  proxyUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await emulator?.stop();
});

describe('a sweep throttled by Secrets Manager', () => {
  it('backs off, retries, and finishes with every secret and policy read', async () => {
    const aws = { region: 'us-east-1', endpoint: proxyUrl, credentials: { accessKeyId: 't', secretAccessKey: 't' } };
    const inventory = await readInventory({ secretsManager: secretsManagerClient(aws), kms: kmsClient(aws), concurrency: 4 });
    expect(throttled).toBeGreaterThan(5);
    expect(inventory.states).toHaveLength(24);
    expect(inventory.states.every((s) => s.resourcePolicy?.includes('arn:aws:iam::123456789012:role/'))).toBe(true);
    expect(inventory.states.flatMap((s) => Object.keys(s.unreadable))).toEqual([]);
  });
});
