"""Test peer: the official PyPI `stripe` package signing and verifying webhook headers.

Driven by tests/sdk_peers.rs over stdin/stdout, one JSON request per line, one JSON answer per line:
  {"op": "sign", "payload": str, "secret": str, "t": int}
      -> {"header": str}                       (WebhookSignature.generate_signature_header)
  {"op": "verify", "payload": str, "header": str, "secrets": [str], "tolerance": int, "now": int}
      -> {"ok": bool, "error": str | null}     (WebhookSignature.verify_header, once per secret)
The SDK reads the clock through `time.time()`; "now" replaces it for the call, so the test
controls time instead of racing it.
"""

import json
import sys

import stripe
from stripe import _webhook


class _FixedClock:
    def __init__(self, now):
        self._now = now

    def time(self):
        return float(self._now)


def verify(request):
    real_time = _webhook.time
    _webhook.time = _FixedClock(request["now"])
    errors = []
    try:
        for secret in request["secrets"]:
            try:
                stripe.WebhookSignature.verify_header(
                    request["payload"], request["header"], secret, request["tolerance"]
                )
                return {"ok": True, "error": None}
            except stripe.SignatureVerificationError as e:
                errors.append(str(e.user_message or e))
    finally:
        _webhook.time = real_time
    return {"ok": False, "error": "; ".join(errors)}


def main():
    for line in iter(sys.stdin.readline, ""):
        request = json.loads(line)
        if request["op"] == "sign":
            header = stripe.WebhookSignature.generate_signature_header(
                request["payload"], request["secret"], request["t"]
            )
            answer = {"header": header}
        elif request["op"] == "verify":
            answer = verify(request)
        else:
            answer = {"fatal": "unknown op " + request["op"]}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
