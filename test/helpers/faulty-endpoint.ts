import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback endpoint in front of the emulator that answers some requests as AWS would answer them in a real organisation:
 * an account whose member role refuses vigil (STS AccessDenied, as AWS's Query protocol sends it), or an account-region whose
 * Secrets Manager keeps failing (InternalServiceError, the service's modelled 500). Everything else goes to the emulator.
 * It learns which access key belongs to which account from the AssumeRole answers that pass through it.
 */
export interface FaultyEndpoint {
  endpoint: string;
  refuseRoleIn: Set<string>;
  /** `account/region` pairs whose Secrets Manager answers 500 to every call. */
  failingUnits: Set<string>;
  requests: { action: string; account?: string; region?: string }[];
  stop: () => Promise<void>;
}

async function body(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function faultyEndpoint(upstream: string): Promise<FaultyEndpoint> {
  const base = upstream.replace(/\/$/, '');
  const keyAccount = new Map<string, string>();
  const state: Omit<FaultyEndpoint, 'endpoint' | 'stop'> = { refuseRoleIn: new Set(), failingUnits: new Set(), requests: [] };
  const server: Server = createServer((request, response) => {
    void (async () => {
      const payload = await body(request);
      const text = payload.toString('utf8');
      const auth = String(request.headers['authorization'] ?? '');
      const [, accessKey, region] = /Credential=([^/]+)\/\d+\/([^/]+)\//.exec(auth) ?? [];
      const target = String(request.headers['x-amz-target'] ?? '');
      const action = target || (new URLSearchParams(text).get('Action') ?? request.method ?? '');
      const account = accessKey ? keyAccount.get(accessKey) : undefined;
      state.requests.push({ action, ...(account ? { account } : {}), ...(region ? { region } : {}) });
      const roleArn = action === 'AssumeRole' ? (new URLSearchParams(text).get('RoleArn') ?? '') : '';
      const roleAccount = roleArn.split(':')[4] ?? '';
      if (action === 'AssumeRole' && state.refuseRoleIn.has(roleAccount)) {
        response.writeHead(403, { 'content-type': 'text/xml' });
        response.end(`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:sts::123456789012:assumed-role/vigil-sweep/worker is not authorized to perform: sts:AssumeRole on resource: ${roleArn}</Message></Error><RequestId>7e0f0b4c-0000-4000-8000-000000000000</RequestId></ErrorResponse>`);
        return;
      }
      if (target.startsWith('secretsmanager.') && account && region && state.failingUnits.has(`${account}/${region}`)) {
        response.writeHead(500, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'InternalServiceError' });
        response.end(JSON.stringify({ __type: 'InternalServiceError', message: 'An error occurred on the server side.' }));
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(request.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
      const answer = await fetch(`${base}${request.url ?? '/'}`, { method: request.method ?? 'GET', headers, ...(payload.length ? { body: payload } : {}) });
      const returned = Buffer.from(await answer.arrayBuffer());
      if (action === 'AssumeRole' && answer.ok) {
        const key = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(returned.toString('utf8'))?.[1];
        if (key) keyAccount.set(key, roleAccount);
      }
      const out: Record<string, string> = {};
      answer.headers.forEach((v, k) => {
        if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection' && k !== 'content-encoding') out[k] = v;
      });
      response.writeHead(answer.status, out);
      response.end(returned);
    })().catch((error: unknown) => {
      response.writeHead(502);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, ...state, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}
