# Kehou API: a slim, non-root image running `kehou serve` against KEHOU_DATABASE_URL.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
# PYTHONPATH: the app is imported from /srv/kehou, beside alembic.ini and migrations/
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PYTHONPATH=/srv/kehou \
    KEHOU_ENV=production KEHOU_DATA_DIR=/tmp/kehou
RUN useradd --system --uid 10001 --home-dir /srv/kehou kehou
COPY --from=build /install /usr/local
WORKDIR /srv/kehou
COPY --chown=kehou alembic.ini ./
COPY --chown=kehou migrations ./migrations
COPY --chown=kehou app ./app
USER kehou
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status == 200 else 1)"
CMD ["kehou", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
