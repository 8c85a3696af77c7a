"""Small raw-HTTP helpers for emulator tests."""

import json
import urllib.error
import urllib.request


def call(base, method, path, body=None, content_type="application/json"):
    """Return (status code, decoded body, headers) for a raw request."""
    data = None
    if body is not None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, _decode(response.read()), response.headers
    except urllib.error.HTTPError as error:
        return error.code, _decode(error.read()), error.headers


def _decode(payload):
    try:
        return json.loads(payload)
    except ValueError:
        return payload.decode()
