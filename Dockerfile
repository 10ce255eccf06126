# chronolog's GitHub App server. Build: docker build -t chronolog .
# Run:   docker run -p 8080:8080 -e GITHUB_APP_ID=... -e GITHUB_APP_PRIVATE_KEY="$(cat key.pem)" \
#          -e GITHUB_WEBHOOK_SECRET=... chronolog
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOST=0.0.0.0 \
    PORT=8080 \
    CHRONOLOG_DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
# The server needs the `app` extra; a plain `pip install .` is the linter alone.
RUN pip install ".[app]" && rm -rf /app/src

# Never run as root. /data holds the SQLite store (mount a volume there; unset
# DATABASE_URL means a SQLite file in CHRONOLOG_DATA_DIR).
RUN useradd --create-home --uid 10001 chronolog && mkdir /data && chown chronolog /data
USER chronolog
VOLUME /data

EXPOSE 8080
# The slim image has no curl: ask /healthz with Python itself.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '8080')}/healthz\", timeout=4)"]

CMD ["chronolog", "serve"]
