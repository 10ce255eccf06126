# chronolog's GitHub App server. Build: docker build -t chronolog .
# Run:   docker run -p 8080:8080 -v chronolog-data:/data -e PUBLIC_URL=https://HOST chronolog
#        then open http://localhost:8080/ and register the app in one click (docs/app.md).
# The tag pins Python's minor version and the Debian release; pin a digest too in production.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOST=0.0.0.0 \
    PORT=8080 \
    LOG_FORMAT=json \
    CHRONOLOG_DATA_DIR=/data

WORKDIR /app
# Dependencies first, in their own layer: a change to the source does not reinstall them.
# (An empty package stands in for the source, with a stand-in version: pyproject.toml reads
# the version from chronolog/__init__.py, and the real one would redo this layer on release.)
# DL3013 asks for `pkg==version`: these install the local project, whose dependencies'
# ranges pyproject.toml bounds.
COPY pyproject.toml README.md ./
# hadolint ignore=DL3013
RUN mkdir -p src/chronolog/app && echo '__version__ = "0"' > src/chronolog/__init__.py \
    && pip install ".[app]" && pip uninstall -y chronolog && rm -rf src
# The server needs the `app` extra; a plain `pip install .` is the linter alone.
COPY src ./src
# hadolint ignore=DL3013
RUN pip install --no-deps ".[app]" && rm -rf /app/src

# Never run as root: a numeric user, so a runtime that forbids root can check it.
# /data holds the SQLite store, and after the setup flow the app's credentials (mode 0600).
RUN useradd --no-create-home --uid 10001 --user-group chronolog \
    && mkdir /data && chown 10001:10001 /data
USER 10001:10001
VOLUME /data

EXPOSE 8080
# The slim image has no curl: ask /healthz with Python itself.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '8080')}/healthz\", timeout=4)"]

CMD ["chronolog", "serve"]
