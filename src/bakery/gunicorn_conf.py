"""gunicorn settings used by `bakery serve`; every value can be overridden from the environment."""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", "2") or 2)
threads = int(os.environ.get("GUNICORN_THREADS", "1") or 1)
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30") or 30)
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30") or 30)
keepalive = 5
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# No control socket: several instances on one machine (and read-only root filesystems) must not
# contend for one socket path in the home directory.
control_socket_disable = True
