import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admissionOptions, ConnectionAdmission, ipKey, type AdmissionTicket } from '../../../../src/net/admission.ts';

function ticket(t: AdmissionTicket | string): AdmissionTicket {
  assert.notEqual(typeof t, 'string', `refused: ${String(t)}`);
  return t as AdmissionTicket;
}

test('admission: the per-address cap refuses the next connection from that address only', () => {
  const a = new ConnectionAdmission({ maxConnections: 100, maxConnectionsPerIp: 2, maxUnauthorised: 100 });
  const t1 = ticket(a.admit('127.0.0.2', () => {}));
  ticket(a.admit('127.0.0.2', () => {}));
  assert.equal(a.admit('127.0.0.2', () => {}), 'per-ip-cap');
  assert.equal(a.admit('::ffff:127.0.0.2', () => {}), 'per-ip-cap', 'IPv4-mapped IPv6 is the same address');
  ticket(a.admit('127.0.0.1', () => {}));
  t1.release();
  t1.release(); // idempotent
  ticket(a.admit('127.0.0.2', () => {}));
  assert.equal(a.countFor('127.0.0.2'), 2);
  assert.equal(a.total, 3);
});

test('admission: IPv6 addresses count per /64', () => {
  assert.equal(ipKey('2001:db8:1:2::5'), ipKey('2001:0db8:0001:0002:ffff:0:0:1'));
  assert.notEqual(ipKey('2001:db8:1:2::5'), ipKey('2001:db8:1:3::5'));
  assert.equal(ipKey('::ffff:10.0.0.1'), '10.0.0.1');
  assert.equal(ipKey('::1'), '0:0:0:0::/64');
  const a = new ConnectionAdmission({ maxConnections: 10, maxConnectionsPerIp: 1, maxUnauthorised: 10 });
  ticket(a.admit('2001:db8:1:2::5', () => {}));
  assert.equal(a.admit('2001:db8:1:2::6', () => {}), 'per-ip-cap');
});

test('admission: a full unauthorised pool closes its oldest member for a new connection; authorised ones keep their slots', () => {
  const a = new ConnectionAdmission({ maxConnections: 4, maxConnectionsPerIp: 10, maxUnauthorised: 2 });
  const evicted: string[] = [];
  const cam = ticket(a.admit('10.0.0.1', () => evicted.push('cam')));
  cam.authorise();
  ticket(a.admit('10.0.0.9', () => evicted.push('idle1')));
  ticket(a.admit('10.0.0.9', () => evicted.push('idle2')));
  const viewer = ticket(a.admit('10.0.0.2', () => evicted.push('viewer')));
  assert.deepEqual(evicted, ['idle1']);
  assert.equal(a.unauthorised, 2);
  viewer.authorise();
  ticket(a.admit('10.0.0.3', () => evicted.push('late')));
  assert.deepEqual(evicted, ['idle1'], 'room left in the pool and the total');
  ticket(a.admit('10.0.0.4', () => evicted.push('later')));
  assert.deepEqual(evicted, ['idle1', 'idle2'], 'the total cap (4) also takes the oldest unauthorised slot');
  assert.equal(a.total, 4);
  assert.equal(a.evicted, 2);
});

test('admission: when every slot is authorised, a new connection is refused', () => {
  const a = new ConnectionAdmission({ maxConnections: 2, maxConnectionsPerIp: 10, maxUnauthorised: 1 });
  ticket(a.admit('10.0.0.1', () => {})).authorise();
  ticket(a.admit('10.0.0.2', () => {})).authorise();
  assert.equal(a.admit('10.0.0.3', () => {}), 'connection-cap');
});

test('admission options: unauthorised pool defaults to half the connections', () => {
  assert.equal(admissionOptions({ maxConnections: 4096 }).maxUnauthorised, 2048);
  assert.equal(admissionOptions({ maxConnections: 10, maxUnauthorisedConnections: 50 }).maxUnauthorised, 10);
  assert.equal(admissionOptions({}).maxConnectionsPerIp, 256);
});
