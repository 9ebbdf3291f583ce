#!/usr/bin/env bash
# `make run`: web server + Celery worker with embedded beat, on the embedded defaults
# (SQLite and a filesystem broker under var/) unless DATABASE_URL / CELERY_BROKER_URL are set.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBUG="${DEBUG:-1}"
BIN=.venv/bin
HOST="${HOST:-127.0.0.1}"
export PORT="${PORT:-8000}"  # PUBLIC_BASE_URL follows it unless set

# var/.env (DEBUG=1, a generated SECRET_KEY, this PORT) lets every README command run as written
# (`.venv/bin/python manage.py changepassword …`) outside `make run`.
$BIN/python scripts/dev_env.py "${SOCIALDIST_ENV_FILE:-var/.env}" "$PORT"

$BIN/python manage.py migrate --noinput
$BIN/python manage.py setup_periodic_tasks
$BIN/python manage.py demo_setup

$BIN/celery -A socialdist worker --beat --scheduler django_celery_beat.schedulers:DatabaseScheduler \
  --loglevel INFO --concurrency 2 &
WORKER=$!
# Sandbox platforms (fake Instagram, Facebook, TikTok on 127.0.0.1:8701+) while sandbox mode is on:
# DEBUG and no <PLATFORM>_CLIENT_ID, or SOCIALDIST_SANDBOX=1. Off, the command just says so.
$BIN/python manage.py sandbox_serve &
SANDBOX=$!
trap 'kill $WORKER $SANDBOX 2>/dev/null; wait $WORKER $SANDBOX 2>/dev/null' EXIT INT TERM

echo "socialdist: open http://$HOST:$PORT/ and log in with the demo login above."
$BIN/python manage.py runserver "$HOST:$PORT"
