"""What the security layer costs per API request: rate limiting off, in memory, in Redis.

Prints requests per second for GET /api/v1/products through the WSGI test client on SQLite.
Run: .venv/bin/python bench/bench_security_overhead.py [requests]
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from pathlib import Path

from bakery import create_app
from bakery.config import Settings
from bakery.db.migrate import upgrade
from bakery.services.users import create_user

REDIS_URL = "redis://127.0.0.1:6379/0"


def measure(label: str, requests: int, **overrides: object) -> None:
    folder = Path(tempfile.mkdtemp())
    url = f"sqlite:///{folder / 'bakery.db'}"
    upgrade(url)
    settings = Settings(env="testing", database_url=url, secret_key=uuid.uuid4().hex * 2,
                        instance_path=folder, log_level="WARNING",
                        rate_limit_prefix=f"bench-{uuid.uuid4().hex}")
    for key, value in overrides.items():
        setattr(settings, key, value)
    app = create_app(settings=settings)
    create_user(app.extensions["bakery.sessions"], email="a@b.c", role="admin",
                password="correct horse")
    client = app.test_client()
    token = client.post("/api/v1/auth/tokens",
                        json={"email": "a@b.c", "password": "correct horse"}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    client.get("/api/v1/products", headers=headers)
    started = time.perf_counter()
    for _ in range(requests):
        assert client.get("/api/v1/products", headers=headers).status_code == 200
    elapsed = time.perf_counter() - started
    print(f"{label:<28} {requests / elapsed:8.0f} requests/s  {elapsed / requests * 1e3:6.2f} ms each")
    app.extensions["bakery.engine"].dispose()


def main() -> None:
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    measure("API limit off", requests, api_rate_limit="")
    measure("API limit, memory storage", requests)
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:  # noqa: BLE001 - report and skip the Redis figure
        print(f"API limit, Redis storage      skipped ({exc.__class__.__name__})")
        return
    measure("API limit, Redis storage", requests, redis_url=REDIS_URL)


if __name__ == "__main__":
    main()
