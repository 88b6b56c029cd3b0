# syntax=docker/dockerfile:1
# The bot and the analysis worker, one image: `python -m bot` or `python -m bot worker`.

FROM python:3.11-slim AS build
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
RUN pip install --no-cache-dir --disable-pip-version-check "uv>=0.9"
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
# The locked set, without the dev group. face_recognition's "dlib" requirement is overridden
# in pyproject.toml: dlib comes from the self-contained dlib-bin wheel, nothing is compiled.
RUN uv sync --locked --no-dev --no-install-project

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 --user-group ssc \
    && mkdir -p /data \
    && chown ssc:ssc /data
WORKDIR /app
COPY --from=build /app/.venv /app/.venv
COPY bot ./bot
COPY locales ./locales
COPY migrations ./migrations
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATA_DIR=/data
USER ssc
VOLUME ["/data"]
# webhook mode listens here (WEBHOOK_PORT); /healthz and /metrics too
EXPOSE 8443
CMD ["python", "-m", "bot"]
