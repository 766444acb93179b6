"""gunicorn settings for one web server of Eksempelbanken (see docs/deploy.md)."""

import multiprocessing

bind = "127.0.0.1:8000"  # nginx in front terminates TLS
# Requests are short and mostly CPU (templates, search): two workers per core, two threads
# each for the moments a worker waits on PostgreSQL.
workers = multiprocessing.cpu_count() * 2
threads = 2
worker_class = "gthread"
timeout = 30  # a request that runs longer than this is killed and logged
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle workers now and then (memory of long-lived caches)
max_requests_jitter = 200
# The portal writes one line per request itself (with its request id, and tokens left out of
# reset links); gunicorn's access log would repeat them, with the tokens.
accesslog = None
errorlog = "-"
loglevel = "info"
forwarded_allow_ips = "127.0.0.1"
