"""`make dev`: the whole domain on this machine, routed as production routes it.

- `stack.py`: starts everything and stops it again (`python -m dev`);
- `balancer.py`: the load balancer (`/files/*` as ALB events to the Lambda handler);
- `auth.py`: the Supabase Auth stand-in that issues tokens through the real hook;
- `postgres.py`: Postgres that keeps its data;
- `bucket_notifications.py`: the bucket's changes as S3 would notify them, through
  a local SQS queue (moto) to the file API's handler;
- `scanner.py`: the malware scanner at GuardDuty's boundary (tags and verdicts on
  the same queue);
- `ports.py`: each service's stable port, or the next one when it is taken,
  bound rather than checked;
- `token.py`: `make token`, an access token from the running stack's issuer (or
  the local service-role key), and `make env`, the running stack's exports.

The development defaults below are public on purpose: they only ever serve
`make dev`, `sam local` (samconfig.toml) and tests.
"""

from __future__ import annotations

DEV_BUCKET = "snsd-file-uploads-local"
# A documented, deliberately public development secret: never used outside local runs.
DEV_JWT_SECRET = "snsd-local-development-secret-not-for-production"
# The browser origin allowed by default (a web app's dev server); CORS_ALLOWED_ORIGINS overrides.
DEV_ORIGIN = "http://localhost:3000"
DEMO_TENANT = "00000000-0000-4000-8000-000000000001"
DEMO_USER = "00000000-0000-4000-8000-0000000000aa"
DEMO_EMAIL = "demo@example.com"
# The demo user's password at the Auth stand-in (it checks passwords, as Supabase Auth does).
DEMO_PASSWORD = "demo-password"
DEFAULT_PORT = 8000
# Where `supabase start` serves its API: supabase-js configs made for it work unchanged.
DEFAULT_AUTH_PORT = 54321
# Postgres where `supabase start` serves it, S3 where SeaweedFS serves it by default: stable
# across restarts, so a client configured once keeps working.
DEFAULT_POSTGRES_PORT = 54322
DEFAULT_S3_PORT = 8333
STATE_FILE = "localstack.json"
