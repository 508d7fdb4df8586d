# newsbot: a first working image (the operations issue makes it multi-stage and slimmer).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    NEWSBOT_DB=/data/newsbot.db

WORKDIR /app
COPY pyproject.toml README.md ./
COPY summarizer ./summarizer
COPY bot ./bot
COPY seeds ./seeds
COPY requirements ./requirements
# Everything, models and data included, is installed here: nothing downloads at start.
# The spaCy model is installed first, checked against its pinned sha256.
RUN python -m pip install --require-hashes --no-deps -r requirements/models.txt \
    && python -m pip install . \
    && useradd --create-home --uid 10001 newsbot \
    && mkdir -p /data && chown newsbot /data

USER newsbot
VOLUME ["/data"]
ENTRYPOINT ["newsbot"]
CMD ["demo"]
