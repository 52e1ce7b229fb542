// Signatures match the Standard Webhooks spec's own example (the reference libraries' test
// vector), and ipaddr.js's verdicts the SSRF guard relies on.
import t from 'tap';
import { Webhook } from 'standardwebhooks';
import { newSecret, signatureHeaders } from '../../../src/modules/webhooks/signature.ts';
import { isPublicAddress, vetUrl } from '../../../src/modules/webhooks/ssrf.ts';

t.test('the spec’s example: secret, id, timestamp and payload give its signature', async (t) => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const headers = signatureHeaders(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', new Date(1614265330 * 1000), '{"test": 2432232314}');
  t.strictSame(headers, {
    'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    'webhook-timestamp': '1614265330',
    'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  });
  // Any change to the signed text changes the signature.
  t.not(signatureHeaders(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', new Date(1614265331 * 1000), '{"test": 2432232314}')['webhook-signature'], headers['webhook-signature']);
  t.not(signatureHeaders(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJel', new Date(1614265330 * 1000), '{"test": 2432232314}')['webhook-signature'], headers['webhook-signature']);
});

t.test('a new secret signs what the reference library verifies, and only that', async (t) => {
  const secret = newSecret();
  t.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  const body = JSON.stringify({ id: 'msg_1', type: 'ping', occurredAt: new Date().toISOString(), data: { webhookId: 'w', text: 'é ✓' } });
  const headers = signatureHeaders(secret, 'msg_1', new Date(), body);
  t.strictSame(new Webhook(secret).verify(body, headers), JSON.parse(body));
  t.throws(() => new Webhook(secret).verify(`${body} `, headers), 'a changed body fails');
  t.throws(() => new Webhook(newSecret()).verify(body, headers), 'another secret fails');
});

t.test('address verdicts', async (t) => {
  for (const a of ['127.0.0.1', '10.0.0.1', '172.31.255.255', '192.168.0.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', '::ffff:127.0.0.1', '::ffff:192.168.1.1', 'fc00::1', 'fd00::1', 'fe80::1', 'ff02::1', '64:ff9b::a00:1', '2002:7f00:1::', 'not-an-ip']) {
    t.equal(isPublicAddress(a), false, a);
  }
  for (const a of ['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) t.equal(isPublicAddress(a), true, a);
  const fake = (addresses: string[]) => async () => addresses.map((address) => ({ address, family: (address.includes(':') ? 6 : 4) as 4 | 6 }));
  t.match(await vetUrl(new URL('https://a.example/'), fake(['93.184.215.14'])), { ok: true });
  t.match(await vetUrl(new URL('https://a.example/'), fake(['93.184.215.14', '::1'])), { ok: false, reason: /::1/ }, 'one private address among several refuses');
  t.match(await vetUrl(new URL('https://a.example/'), fake([])), { ok: false });
  t.match(await vetUrl(new URL('https://a.example/'), async () => Promise.reject(Object.assign(new Error('x'), { code: 'ENOTFOUND' }))), { ok: false, reason: /ENOTFOUND/ });
});
