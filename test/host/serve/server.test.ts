import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { decodeWire } from '../../../shared/ipc/index.js';
import { createHost } from '../../../electron/host/ipc/index.js';
import { RendererNotBuiltError, startServer, type RunningServer } from '../../../electron/host/serve/index.js';

let server: RunningServer;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'strata-serve-'));
  const renderer = join(root, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Strata</title>');
  writeFileSync(join(renderer, 'assets', 'app.js'), 'export {};');
  writeFileSync(join(root, 'secret.txt'), 'not for the browser');
  const host = createHost({ mode: 'serve', userDataDir: join(root, 'user'), projectsDir: join(root, 'projects'), startupProject: null });
  server = await startServer({ host, port: 0, rendererDir: renderer });
});
afterAll(() => server.close());

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connect(origin = server.url): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ipc`, { origin });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

function call(ws: WebSocket, message: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    ws.once('message', (data) => resolve(JSON.parse(data.toString()) as Record<string, unknown>));
    ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  });
}

describe('strata serve', () => {
  it('listens on 127.0.0.1 and serves the built window with its security policy', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Strata</title>');
    expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
    const script = await get('/assets/app.js');
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
  });

  it('serves nothing outside the renderer folder', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/%00']) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.body).not.toContain('not for the browser');
    }
  });

  it('answers only to its own address (no DNS rebinding)', async () => {
    expect((await get('/', { Host: 'evil.example:80' })).status).toBe(421);
  });

  it('carries the IPC contract over its WebSocket', async () => {
    const ws = await connect();
    const reply = await call(ws, { type: 'invoke', id: 7, channel: 'app.info', args: {} });
    expect(reply).toMatchObject({ type: 'reply', id: 7, ok: true, value: { mode: 'serve' } });
    const invalid = await call(ws, { type: 'invoke', id: 8, channel: 'project.open', args: { dir: 5 } });
    expect(invalid).toMatchObject({ type: 'reply', id: 8, ok: false, error: { code: 'invalid-message' } });
    const garbage = await call(ws, 'not json');
    expect(garbage).toMatchObject({ ok: false, error: { message: expect.stringContaining('Expected a JSON message or a Strata binary frame') } });
    ws.close();
  });

  it('sends typed arrays (an MNIST sample\'s pixels) as a binary frame', async () => {
    const project = join(root, 'project');
    mkdirSync(join(project, 'datasets'), { recursive: true });
    writeFileSync(join(project, 'strata.json'), JSON.stringify({ name: 'p', formatVersion: 1, models: [], datasets: ['digits'], defaults: {} }));
    writeFileSync(join(project, 'datasets', 'digits.json'), JSON.stringify({ name: 'digits', source: { kind: 'builtin', id: 'mnist' } }));
    const ws = await connect();
    const frame = await new Promise<Buffer>((resolve) => {
      ws.once('message', (data, isBinary) => (isBinary ? resolve(data as Buffer) : resolve(Buffer.from(''))));
      ws.send(JSON.stringify({ type: 'invoke', id: 9, channel: 'datasets.samples', args: { dir: project, name: 'digits', split: 'train', offset: 0, count: 2 } }));
    });
    expect(frame.subarray(0, 4).toString()).toBe('STRB');
    const reply = decodeWire(new Uint8Array(frame)) as { ok: boolean; value: Array<{ label: string; image: { pixels: Uint8Array } }> };
    expect(reply.ok).toBe(true);
    expect(reply.value.map((s) => s.label)).toEqual(['5', '0']);
    expect(reply.value[0]!.image.pixels).toBeInstanceOf(Uint8Array);
    expect(reply.value[0]!.image.pixels).toHaveLength(28 * 28);
    ws.close();
  }, 30_000);

  it('refuses sockets from pages it did not serve', async () => {
    await expect(connect('http://evil.example')).rejects.toThrow(/403/);
  });

  it('refuses to start without a built window, saying how to build it', async () => {
    const host = createHost({ mode: 'serve', userDataDir: join(root, 'u2'), projectsDir: root, startupProject: null });
    await expect(startServer({ host, port: 0, rendererDir: join(root, 'missing') })).rejects.toThrow(RendererNotBuiltError);
    await expect(startServer({ host, port: 0, rendererDir: join(root, 'missing') })).rejects.toThrow(/npm run build:renderer/);
  });
});
