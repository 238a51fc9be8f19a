// Drives the clicktrail Stripe emulator with the official npm `stripe` package (a second,
// independent client): checkout in subscription mode with the click id carriers, a completed
// session delivered to a local receiver and verified with `stripe.webhooks.constructEvent`, a
// restricted key's permission error, and async auto-pagination of events.
// Run by tests/stripe_sdk.rs with SANDBOX_URL, SANDBOX_KEY and RESTRICTED_KEY set; prints a JSON
// summary on success, exits non-zero on any failed check.
'use strict';

const assert = require('node:assert/strict');
const http = require('node:http');
const Stripe = require('stripe');

const base = new URL(process.env.SANDBOX_URL);
const options = { host: base.hostname, port: base.port, protocol: 'http', maxNetworkRetries: 0 };
const stripe = new Stripe(process.env.SANDBOX_KEY, options);

function receiver() {
  const received = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks), signature: req.headers['stripe-signature'] });
      res.writeHead(200).end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, received })));
}

async function main() {
  const { server, received } = await receiver();
  const url = `http://127.0.0.1:${server.address().port}/hook`;
  const endpoint = await stripe.webhookEndpoints.create({ url, enabled_events: ['checkout.session.completed'] });
  assert.match(endpoint.secret, /^whsec_/);

  const price = await stripe.prices.create({
    currency: 'eur', unit_amount: 1500, recurring: { interval: 'month' }, product_data: { name: 'Plus' },
  });
  const session = await stripe.checkout.sessions.create({
    mode: 'subscription',
    line_items: [{ price: price.id, quantity: 1 }],
    client_reference_id: 'irc_node-click',
    customer_email: 'node@example.com',
    metadata: { impact_click_id: 'node-click' },
    subscription_data: { metadata: { impact_click_id: 'node-click' } },
    success_url: 'https://shop.example/thanks',
  });
  assert.equal(session.status, 'open');
  assert.equal(session.client_reference_id, 'irc_node-click');

  const done = await fetch(`${process.env.SANDBOX_URL}/_sandbox/checkout/sessions/${session.id}/complete`, { method: 'POST' });
  assert.equal(done.status, 200);
  const completed = await stripe.checkout.sessions.retrieve(session.id, { expand: ['subscription'] });
  assert.equal(completed.payment_status, 'paid');
  assert.equal(completed.subscription.metadata.impact_click_id, 'node-click');

  const deadline = Date.now() + 10000;
  while (received.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(received.length, 1);
  const event = stripe.webhooks.constructEvent(received[0].body, received[0].signature, endpoint.secret);
  assert.equal(event.type, 'checkout.session.completed');
  assert.equal(event.data.object.id, session.id);
  assert.equal(event.data.object.metadata.impact_click_id, 'node-click');
  assert.throws(() => stripe.webhooks.constructEvent(received[0].body, received[0].signature, 'whsec_other'));
  server.close();

  const restricted = new Stripe(process.env.RESTRICTED_KEY, options);
  await assert.rejects(restricted.subscriptions.retrieve(completed.subscription.id), (err) => {
    assert.equal(err.type, 'StripePermissionError');
    assert.equal(err.statusCode, 403);
    assert.match(err.message, /'rak_subscription_read'/);
    return true;
  });
  await assert.rejects(new Stripe('sk_test_nope', options).customers.list(), (err) => err.type === 'StripeAuthenticationError');

  const ids = [];
  for await (const e of stripe.events.list({ limit: 3 })) ids.push(e.id);
  const all = await stripe.events.list({ limit: 100 });
  assert.deepEqual(ids, all.data.map((e) => e.id));
  console.log(JSON.stringify({ session: session.id, subscription: completed.subscription.id, events: ids.length }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
