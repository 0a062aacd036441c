import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startFixture, TOKEN, type Fixture } from './fixture.ts';
import { TestWebSocket } from './ws-client.ts';
import { waitFor } from '../../../helpers/server.ts';

let f: Fixture | undefined;
const sockets: TestWebSocket[] = [];
after(async () => {
  for (const s of sockets) s.close();
  await f?.close();
});

test('event sockets: past limits.maxConnectionsPerIp from one address the upgrade is refused with 429; a freed slot is reusable', async () => {
  f = await startFixture({ token: TOKEN, maxConnectionsPerIp: 2 });
  const auth = { Authorization: `Bearer ${TOKEN}` };
  sockets.push(await TestWebSocket.open(f.port, '/api/v1/events', auth), await TestWebSocket.open(f.port, '/api/v1/events', auth));
  await assert.rejects(TestWebSocket.open(f.port, '/api/v1/events', auth), /429/);
  sockets[0]!.close();
  const fx = f;
  const again = await waitFor(() => TestWebSocket.open(fx.port, '/api/v1/events', auth).catch(() => undefined), 5000, 'a slot again', 50);
  sockets.push(again);
});
