"""Segment's Python library (segment-analytics-python) on its defaults, pointed at the collector.

Sends identify, track, page and alias for one user, flushes, and exits 0 when the library
reported no error (1 otherwise, with each error on stderr). Environment: COMPAT_HOST,
COMPAT_WRITE_KEY, COMPAT_USER_ID, COMPAT_ANONYMOUS_ID, COMPAT_PREVIOUS_ID.
"""
import os
import sys

from segment.analytics.client import Client

errors = []


def on_error(error, batch):
    errors.append(f"{type(error).__name__}: {error} ({len(batch)} events)")


env = os.environ
user = env["COMPAT_USER_ID"]
client = Client(env["COMPAT_WRITE_KEY"], host=env["COMPAT_HOST"], on_error=on_error)

client.identify(user, {"plan": "gold", "email": f"{user}@example.com"}, anonymous_id=env["COMPAT_ANONYMOUS_ID"])
client.track(user, "Order Completed", {"order_id": f"{user}-order", "revenue": 42.5, "currency": "EUR"})
client.page(user, name="Product", properties={"path": "/p/mug", "url": "https://shop.example/p/mug"})
client.alias(env["COMPAT_PREVIOUS_ID"], user)
client.shutdown()

for error in errors:
    print(error, file=sys.stderr)
sys.exit(1 if errors else 0)
