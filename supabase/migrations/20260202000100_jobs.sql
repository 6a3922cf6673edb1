-- Jobs (issue 30): work too long for a request, done by the job function
-- (`file_lambda.job_function`, `jobs/`) a step at a time across invocations:
-- folder archives, tenant exports and tenant purges.
--
-- - `public.jobs`: one row per job, what its requester polls. The API (file
--   API for archives, core for exports and deletions) inserts it `queued`;
--   the job function claims it with a lease, advances it until its step's
--   time is up, saves where it stands, and sends itself the job again until
--   it ends `succeeded` or `failed`. A succeeded job's output expires
--   (`expires_at`), then the sweep deletes it and marks the job `expired`.
-- - `private.job_checkpoints`: where an unfinished job stands, written by the
--   kind's own code (`jobs/<kind>.py`), read back by the next step. Never
--   shown to anyone.
--
-- `tenant_id` has no foreign key: a purge job outlives its tenant's row, and
-- the purge's last statement deletes the tenant's jobs, itself included.

create type public.job_kind as enum ('archive', 'export', 'purge');
create type public.job_state as enum ('queued', 'running', 'succeeded', 'failed', 'expired');

create table public.jobs (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  kind public.job_kind not null,
  state public.job_state not null default 'queued',
  -- Who asked (null for the purge the sweep starts when a grace period ends).
  requested_by uuid,
  -- What was asked, as the kind reads it (an archive's folder, for example).
  params jsonb not null default '{}'::jsonb,
  -- How far it is, for the requester: the kind's own counters.
  progress jsonb not null default '{}'::jsonb,
  -- What it made, for the requester: the output's key and size, what it left out.
  result jsonb,
  -- Why it failed: a problem code from docs/api.md, never an exception's text.
  error text check (char_length(error) <= 100),
  -- When the job function last took it, and until when no other may.
  lease_until timestamptz,
  -- How many steps it took (a runaway job is failed by the runner).
  steps integer not null default 0,
  -- Steps in a row that ended in an unexpected error; the runner fails the
  -- job at its limit rather than retry a broken one forever.
  failures integer not null default 0,
  -- When the sweep or the API last sent it to the queue.
  sent_at timestamptz,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  expires_at timestamptz,
  updated_at timestamptz not null default now(),
  check ((state in ('succeeded', 'failed', 'expired')) = (finished_at is not null))
);
create index jobs_tenant_idx on public.jobs (tenant_id, kind, created_at desc, id desc);
-- The sweep's work: jobs not ended, and succeeded jobs whose output expires.
create index jobs_open_idx on public.jobs (state, lease_until)
  where state in ('queued', 'running');
create index jobs_expiring_idx on public.jobs (expires_at) where state = 'succeeded';

create trigger jobs_touch_updated_at
  before update on public.jobs
  for each row execute function private.touch_updated_at();

alter table public.jobs enable row level security;
-- A member sees the jobs they asked for; admins and owners see their tenant's.
-- Writes go through the services (the core as service_role for exports and
-- deletions, the file API and the job function on their own connections).
create policy jobs_read on public.jobs
  for select to authenticated
  using (
    private.tenant_role(tenant_id) in ('admin', 'owner')
    or (requested_by = (select auth.uid()) and private.tenant_role(tenant_id) is not null)
  );
revoke all on public.jobs from anon, authenticated;
grant select on public.jobs to authenticated;
grant all on public.jobs to service_role;

create table private.job_checkpoints (
  job_id uuid primary key references public.jobs (id) on delete cascade,
  checkpoint jsonb not null,
  saved_at timestamptz not null default now()
);
revoke all on private.job_checkpoints from public, anon, authenticated;
grant select, insert, update, delete on private.job_checkpoints to service_role;
