"""Drives the clicktrail Stripe emulator with the official PyPI `stripe` package.

Run by tests/stripe_sdk.rs with SANDBOX_URL and SANDBOX_KEY set. Every call must succeed and the
SDK's objects must carry the expected values; a webhook delivery to a small receiver started here is
verified with the SDK's own `stripe.WebhookSignature.verify_header`. Prints a JSON summary on
success; any failed check raises (non-zero exit).
"""

import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import stripe

stripe.api_base = os.environ["SANDBOX_URL"]
stripe.api_key = os.environ["SANDBOX_KEY"]
stripe.max_network_retries = 0

received = []


class Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        received.append((body, self.headers.get("Stripe-Signature")))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Hook)
threading.Thread(target=server.serve_forever, daemon=True).start()
receiver_url = "http://127.0.0.1:%d/hook" % server.server_address[1]

customer = stripe.Customer.create(email="jenny@example.com", metadata={"impact_click_id": "XYZ"})
assert customer.id.startswith("cus_"), customer.id
assert customer.email == "jenny@example.com"
assert customer.metadata["impact_click_id"] == "XYZ"
assert stripe.Customer.retrieve(customer.id).id == customer.id

price = stripe.Price.create(
    currency="usd", unit_amount=2000, recurring={"interval": "month"}, product_data={"name": "Pro"}
)
assert price.unit_amount == 2000 and price.recurring.interval == "month", price
assert stripe.Product.retrieve(price.product).name == "Pro"

endpoint = stripe.WebhookEndpoint.create(
    url=receiver_url, enabled_events=["invoice.paid", "charge.refunded"], api_version="2025-03-31.basil"
)
assert endpoint.secret.startswith("whsec_"), endpoint
assert "secret" not in stripe.WebhookEndpoint.retrieve(endpoint.id)

sub = stripe.Subscription.create(
    customer=customer.id,
    items=[{"price": price.id, "quantity": 1}],
    metadata={"impact_click_id": "XYZ"},
    idempotency_key="sdk-sub-1",
)
assert sub.status == "active", sub.status
assert sub.metadata["impact_click_id"] == "XYZ"
assert sub["items"].data[0].price.id == price.id
again = stripe.Subscription.create(
    customer=customer.id,
    items=[{"price": price.id, "quantity": 1}],
    metadata={"impact_click_id": "XYZ"},
    idempotency_key="sdk-sub-1",
)
assert again.id == sub.id, "an idempotent replay returns the same subscription"

invoice = stripe.Invoice.retrieve(sub.latest_invoice)
assert invoice.billing_reason == "subscription_create"
assert invoice.status == "paid" and invoice.amount_paid == 2000
assert invoice.parent.subscription_details.metadata["impact_click_id"] == "XYZ"
assert invoice.parent.subscription_details.subscription == sub.id

payments = stripe.InvoicePayment.list(invoice=invoice.id)
payment_intent = payments.data[0].payment.payment_intent
by_pi = stripe.InvoicePayment.list(payment={"type": "payment_intent", "payment_intent": payment_intent})
assert by_pi.data[0].invoice == invoice.id
charge = stripe.PaymentIntent.retrieve(payment_intent).latest_charge

refund = stripe.Refund.create(charge=charge, amount=500)
assert refund.amount == 500 and refund.status == "succeeded"
charge_after = stripe.Charge.retrieve(charge)
assert charge_after.amount_refunded == 500 and charge_after.refunded is False

try:
    stripe.Customer.retrieve("cus_missing")
    raise AssertionError("a missing customer must raise")
except stripe.InvalidRequestError as e:
    assert e.http_status == 404 and e.code == "resource_missing", e

everything = stripe.Event.list(limit=100)
paged = [e.id for e in stripe.Event.list(limit=2).auto_paging_iter()]
assert paged == [e.id for e in everything.data], (len(paged), len(everything.data))
assert len(paged) > 4
paid_events = stripe.Event.list(types=["invoice.paid"])
assert [e.type for e in paid_events.data] == ["invoice.paid"]

deadline = time.time() + 10
while time.time() < deadline and len(received) < 2:
    time.sleep(0.02)
assert len(received) >= 2, received
types = []
for body, header in received:
    stripe.WebhookSignature.verify_header(body.decode(), header, endpoint.secret, tolerance=300)
    event = stripe.Webhook.construct_event(body.decode(), header, endpoint.secret)
    types.append(event.type)
assert sorted(types) == ["charge.refunded", "invoice.paid"], types
try:
    stripe.WebhookSignature.verify_header(received[0][0].decode(), received[0][1], "whsec_wrong", tolerance=300)
    raise AssertionError("a wrong secret must not verify")
except stripe.SignatureVerificationError:
    pass

print(json.dumps({"subscription": sub.id, "invoice": invoice.id, "events": len(paged), "verified": types}))
