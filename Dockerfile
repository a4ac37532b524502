# One image for the web server and the Celery workers of a team server (see docker-compose.yml).
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production DILIGENCE_VAR_DIR=/var/lib/diligence

# WeasyPrint's libraries, and a CJK font so Chinese hospital names render in memos.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1 \
       fonts-noto-cjk curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY assets ./assets
COPY diligence ./diligence
RUN pip install --no-cache-dir .
COPY . .
RUN useradd --system --home /app diligence && mkdir -p /var/lib/diligence && chown diligence /var/lib/diligence \
    && DJANGO_SECRET_KEY=collectstatic-only-$(head -c 48 /dev/urandom | base64) DJANGO_ALLOWED_HOSTS=build \
       python manage.py collectstatic --noinput -v 0
USER diligence
EXPOSE 8000
# gunicorn reads its worker count from WEB_CONCURRENCY: (2 x cores) + 1 sync workers, 5 on a 2-core server.
ENV WEB_CONCURRENCY=5
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--timeout", "60"]
