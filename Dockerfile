# One image for the API and the workers. Default command: the API on port 8000.
#   docker build -t khortor .
#   docker run -p 8000:8000 -e KHORTOR_SECRET_KEY=... -e KHORTOR_DATA_KEYS=k1:... -e KHORTOR_LOOKUP_KEY=... \
#     -e KHORTOR_DATABASE_URL=postgresql://... khortor
#   With KHORTOR_REDIS_URL set, the same image runs the Celery workers and the (locked) beat:
#   docker run ... -e KHORTOR_REDIS_URL=redis://redis:6379/0 khortor celery -A workers.celery_app worker
#   docker run ... -e KHORTOR_REDIS_URL=redis://redis:6379/0 khortor celery -A workers.celery_app beat
#   Without it, `khortor serve` runs the same tasks in-process (embedded mode).
# The web client is built with Node in its own stage; the image only serves the files.
FROM node:20-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web ./
RUN npm run build

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 --user-group khortor

WORKDIR /app

# Dependencies first, straight from pyproject.toml, so code changes reuse this layer.
COPY pyproject.toml ./
RUN python -c "import subprocess, sys, tomllib; \
deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; \
subprocess.check_call([sys.executable, '-m', 'pip', 'install', *deps])"

COPY api ./api
COPY domain ./domain
COPY workers ./workers
COPY alembic ./alembic
COPY --from=web /web/dist ./web/dist
RUN pip install --no-deps . \
    && install -d -o khortor -g khortor /var/lib/khortor

# domain/migrations.py finds the migrations at <source root>/alembic, so the code runs
# from /app (next to alembic/) rather than from the installed copy in site-packages.
ENV PYTHONPATH=/app \
    KHORTOR_ENV=production

USER khortor
# The default SQLite file (when KHORTOR_DATABASE_URL is not set) lands here.
WORKDIR /var/lib/khortor

EXPOSE 8000
CMD ["khortor", "serve", "--host", "0.0.0.0", "--port", "8000"]
