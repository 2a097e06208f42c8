# Sterk Online in a container: `docker build -t sterk-online .` then see README "Running it for
# real". Settings come from the environment (`--env-file .env`); the database lives in the
# /data volume, which must survive upgrades.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STERK_DB_PATH=/data/sterk.db \
    STERK_WEBHOOK_LISTEN=0.0.0.0 \
    STERK_WEBHOOK_PORT=8443

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY scheduler ./scheduler
RUN pip install . && rm -rf /app/bot /app/scheduler \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin sterk \
    && mkdir -p /data && chown sterk:sterk /data && chmod 700 /data

USER sterk
WORKDIR /data
VOLUME ["/data"]
# Inside the container the web server must listen on all interfaces to be published; publish
# it on the host's loopback only (-p 127.0.0.1:8443:8443) behind the TLS reverse proxy.
EXPOSE 8443
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('STERK_WEBHOOK_PORT', '8443'); sys.exit(0 if urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4).status == 200 else 1)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["sterk-online"]
CMD ["run"]
