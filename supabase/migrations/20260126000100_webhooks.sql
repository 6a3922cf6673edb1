-- Webhooks (issue 29): a tenant's own systems hear about its files and
-- members, signed as the Standard Webhooks specification says
-- (docs/decisions/webhooks.md, webhooks/).
--
-- Four tables:
--
-- - `webhook_endpoints`: where a tenant's events go, and which types. Its
--   admins and owners manage them through the core (row-level security
--   below); the signing secrets are not here.
-- - `private.webhook_endpoint_secrets`: each endpoint's signing secret, and
--   during a rotation's overlap the previous one, sealed (AES-GCM,
--   webhooks/vault.py) under a key the database does not hold. No client
--   role may read it; the core writes it as service_role and the delivery
--   function reads it.
-- - `private.webhook_events`: the outbox. One row per event, written in the
--   same transaction as the change it reports (migration 20260126000200:
--   from the audit trail), so that an event exists if and only if its change
--   does. The body is the payload `{type, timestamp, data}` as bytes,
--   serialised once: `jsonb` would reorder keys and change the signed bytes.
-- - `webhook_deliveries`: one per event and endpoint subscribed to its type
--   when the event was written; the relay sends it to the delivery queue
--   (`queued_at`), the delivery function attempts it and records each try
--   in `webhook_attempts`, the endpoint's delivery log.

create table public.webhook_endpoints (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  url text not null check (char_length(url) between 1 and 2048),
  description text check (char_length(description) <= 200),
  -- The event types it receives (docs/api.md, "Webhook events").
  event_types text[] not null
    check (cardinality(event_types) between 1 and 64
           and array_position(event_types, null) is null),
  enabled boolean not null default true,
  -- Why it stopped: set with `enabled = false` by the delivery function (five
  -- days of failures, or a 410) or by a caller; cleared when re-enabled.
  disabled_reason text check (char_length(disabled_reason) <= 500),
  disabled_at timestamptz,
  -- The first failed attempt since the last success; null while healthy.
  failing_since timestamptz,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (enabled = (disabled_at is null))
);
create index webhook_endpoints_tenant_idx
  on public.webhook_endpoints (tenant_id, created_at desc, id desc);

create trigger webhook_endpoints_touch_updated_at
  before update on public.webhook_endpoints
  for each row execute function private.touch_updated_at();

alter table public.webhook_endpoints enable row level security;
-- A tenant's admins and owners manage its endpoints; nobody else sees them.
create policy webhook_endpoints_admins on public.webhook_endpoints
  for all to authenticated
  using (private.tenant_role(tenant_id) in ('admin', 'owner'))
  with check (private.tenant_role(tenant_id) in ('admin', 'owner'));
revoke all on public.webhook_endpoints from anon, authenticated;
grant select, insert, update, delete on public.webhook_endpoints to authenticated;
grant all on public.webhook_endpoints to service_role;

create table private.webhook_endpoint_secrets (
  endpoint_id uuid primary key references public.webhook_endpoints (id) on delete cascade,
  -- webhooks/vault.py's sealed form of the `whsec_` secret, its scope the endpoint's id.
  current_secret text not null check (char_length(current_secret) <= 512),
  -- The secret before the last rotation, which signs too until `previous_expires_at`.
  previous_secret text check (char_length(previous_secret) <= 512),
  previous_expires_at timestamptz,
  rotated_at timestamptz,
  check ((previous_secret is null) = (previous_expires_at is null))
);
revoke all on private.webhook_endpoint_secrets from public, anon, authenticated;
grant select, insert, update, delete on private.webhook_endpoint_secrets to service_role;

create table private.webhook_events (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  type text not null check (type ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),
  occurred_at timestamptz not null default now(),
  -- The payload as sent: UTF-8 JSON `{type, timestamp, data}`.
  payload bytea not null check (octet_length(payload) <= 65536)
);
create index webhook_events_tenant_idx on private.webhook_events (tenant_id, occurred_at desc);
revoke all on private.webhook_events from public, anon, authenticated;
grant select, insert, delete on private.webhook_events to service_role;

create table public.webhook_deliveries (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  event_id uuid not null references private.webhook_events (id) on delete cascade,
  endpoint_id uuid not null references public.webhook_endpoints (id) on delete cascade,
  -- pending: attempts left; succeeded: a 2xx; failed: the last attempt failed, or
  -- the endpoint was disabled; redelivering sets it pending again.
  status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed')),
  attempts integer not null default 0 check (attempts >= 0),
  -- When the relay last handed it to the delivery queue; null: not yet (the relay's work).
  queued_at timestamptz,
  next_attempt_at timestamptz,
  last_attempt_at timestamptz,
  created_at timestamptz not null default now(),
  unique (event_id, endpoint_id)
);
-- The relay's work: what is pending and not queued.
create index webhook_deliveries_unqueued_idx
  on public.webhook_deliveries (created_at) where queued_at is null and status = 'pending';
create index webhook_deliveries_endpoint_idx
  on public.webhook_deliveries (endpoint_id, created_at desc, id desc);

alter table public.webhook_deliveries enable row level security;
create policy webhook_deliveries_admins on public.webhook_deliveries
  for select to authenticated
  using (private.tenant_role(tenant_id) in ('admin', 'owner'));
revoke all on public.webhook_deliveries from anon, authenticated;
grant select on public.webhook_deliveries to authenticated;
grant all on public.webhook_deliveries to service_role;

create table public.webhook_attempts (
  id bigint generated always as identity primary key,
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  delivery_id uuid not null references public.webhook_deliveries (id) on delete cascade,
  endpoint_id uuid not null references public.webhook_endpoints (id) on delete cascade,
  attempted_at timestamptz not null default now(),
  -- The receiver's status; null when none came (webhooks.delivery.Failure says why).
  status_code smallint check (status_code between 100 and 599),
  duration_ms integer not null check (duration_ms >= 0),
  -- webhooks.delivery.Failure's value, null on success.
  failure text check (char_length(failure) <= 64),
  -- A fixed text of ours, never the receiver's answer.
  error text check (char_length(error) <= 500)
);
create index webhook_attempts_endpoint_idx
  on public.webhook_attempts (endpoint_id, attempted_at desc, id desc);
create index webhook_attempts_delivery_idx on public.webhook_attempts (delivery_id, id);

alter table public.webhook_attempts enable row level security;
create policy webhook_attempts_admins on public.webhook_attempts
  for select to authenticated
  using (private.tenant_role(tenant_id) in ('admin', 'owner'));
revoke all on public.webhook_attempts from anon, authenticated;
grant select on public.webhook_attempts to authenticated;
grant all on public.webhook_attempts to service_role;

-- Writes an event, in the caller's transaction, for each enabled endpoint of
-- the tenant that asked for its type (or only `p_endpoint`, the test event's):
-- the outbox row and one delivery per endpoint, for the relay to send. Nothing
-- at all when nobody listens, so that a tenant without endpoints pays one
-- indexed lookup per change. Returns the event's id, or null.
--
-- The payload is `{type, timestamp, data}` as Postgres prints jsonb (keys in
-- its own order), stored as bytes and never serialised again: the signed
-- bytes are these. `data` always holds `tenant_id` and `actor`.
create function private.emit_webhook_event(
  p_tenant uuid,
  p_type text,
  p_data jsonb,
  p_occurred_at timestamptz default now(),
  p_actor uuid default null,
  p_endpoint uuid default null
)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_event uuid;
  v_endpoints uuid[];
begin
  select array_agg(e.id) into v_endpoints
  from public.webhook_endpoints e
  where e.tenant_id = p_tenant
    and e.enabled
    and (case when p_endpoint is null then p_type = any (e.event_types) else e.id = p_endpoint end);
  if v_endpoints is null then
    return null;
  end if;

  insert into private.webhook_events (tenant_id, type, occurred_at, payload)
  values (
    p_tenant, p_type, p_occurred_at,
    convert_to(
      jsonb_build_object(
        'type', p_type,
        'timestamp', to_char(p_occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'data', coalesce(p_data, '{}'::jsonb)
          || jsonb_build_object('tenant_id', p_tenant, 'actor', p_actor)
      )::text,
      'UTF8'))
  returning id into v_event;

  insert into public.webhook_deliveries (tenant_id, event_id, endpoint_id)
  select p_tenant, v_event, unnest(v_endpoints);
  return v_event;
end;
$$;
revoke all on function private.emit_webhook_event(uuid, text, jsonb, timestamptz, uuid, uuid)
  from public, anon, authenticated;
grant execute on function private.emit_webhook_event(uuid, text, jsonb, timestamptz, uuid, uuid)
  to service_role;
