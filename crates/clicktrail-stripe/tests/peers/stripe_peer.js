// Test peer: the official npm `stripe` package signing and verifying webhook headers.
//
// Driven by tests/sdk_peers.rs over stdin/stdout, one JSON request per line, one JSON answer per line:
//   {"op": "sign", "payload": str, "secret": str, "t": int}
//       -> {"header": str}                     (stripe.webhooks.generateTestHeaderString)
//   {"op": "verify", "payload": str, "header": str, "secrets": [str], "tolerance": int, "now": int}
//       -> {"ok": bool, "error": str | null}   (stripe.webhooks.signature.verifyHeader, once per secret)
// "now" is passed as the SDK's own `receivedAt` argument, so the test controls time.
'use strict';

const readline = require('readline');
const Stripe = require('stripe');

const stripe = new Stripe('sk_test_peer_not_used');
const webhooks = stripe.webhooks;

function verify(request) {
  const errors = [];
  for (const secret of request.secrets) {
    try {
      webhooks.signature.verifyHeader(
        request.payload, request.header, secret, request.tolerance, undefined, request.now * 1000);
      return { ok: true, error: null };
    } catch (e) {
      if (e.type !== 'StripeSignatureVerificationError') throw e;
      errors.push(e.message.split('\n')[0]);
    }
  }
  return { ok: false, error: errors.join('; ') };
}

const lines = readline.createInterface({ input: process.stdin, terminal: false });
lines.on('line', (line) => {
  const request = JSON.parse(line);
  let answer;
  if (request.op === 'sign') {
    answer = {
      header: webhooks.generateTestHeaderString({
        payload: request.payload, secret: request.secret, timestamp: request.t,
      }),
    };
  } else if (request.op === 'verify') {
    answer = verify(request);
  } else {
    answer = { fatal: 'unknown op ' + request.op };
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
});
