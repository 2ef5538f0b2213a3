# revops: one image for web (gunicorn), worker and beat (Celery). See docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=revops.settings.production
# numba keeps the forecasting kernels it compiles here: the code directory is read-only for
# the app user, who has no home directory.
ENV NUMBA_CACHE_DIR=/app/var/numba-cache

WORKDIR /app
COPY requirements/ requirements/
RUN pip install -r requirements/prod.txt

COPY . .
# Static files are collected at build time; the values below exist only for this command.
RUN DJANGO_SECRET_KEY=build-only-not-a-secret-build-only-not-a-secret-0000 \
    DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    LEDGER_HMAC_KEYS=build:build-only-ledger-key-not-a-secret-000 \
    LEDGER_HMAC_CURRENT_KEY=build \
    python manage.py collectstatic --noinput \
 && useradd --uid 10001 --no-create-home revops \
 && mkdir -p /app/var && chown revops /app/var

USER revops
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz/', timeout=4).status != 200)"
CMD ["gunicorn", "revops.wsgi"]
