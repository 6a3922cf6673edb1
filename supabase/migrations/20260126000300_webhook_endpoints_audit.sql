-- Webhook endpoints (issue 29), as the core's API manages them
-- (core_service/webhooks/): their audit rows, the per-tenant limit, and the
-- delivery log's reading of the outbox.
--
-- - Every change to an endpoint is a row of the audit trail, in the same
--   transaction, as the core's other changes are (20251229000200): created,
--   updated (the fields that changed, before and after), deleted, its
--   secret rotated, and a delivery sent again. Never a secret. The URL is
--   kept as its origin only (scheme, host, port): receivers often carry a
--   credential in the path or the query (chat tools' incoming webhooks do),
--   and the trail outlives the endpoint by its retention.
-- - At most 20 endpoints a tenant, enforced here at every door (the core,
--   or a client with a token through any other way to the table), under a
--   per-tenant lock so that two creations at once cannot both take the last
--   place. SQLSTATE SN020 (core_service/db.py).
-- - `private.webhook_event_of`: an event's type and payload, for the
--   tenant's admins and owners only; the outbox itself stays closed to
--   every client role. `private.redeliver_webhook`: a delivery sent again,
--   by them only.

create function private.url_origin(p_url text)
returns text
language sql
immutable
set search_path = ''
as $$
  select substring(p_url from '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*')
$$;

create function private.audit_webhook_endpoint_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_detail jsonb;
begin
  if tg_op = 'INSERT' then
    perform private.audit_core(new.tenant_id, 'webhook_endpoint_created',
      jsonb_build_object('endpoint_id', new.id, 'url', private.url_origin(new.url),
                         'event_types', to_jsonb(new.event_types)));
  elsif tg_op = 'DELETE' then
    perform private.audit_core(old.tenant_id, 'webhook_endpoint_deleted',
      jsonb_build_object('endpoint_id', old.id, 'url', private.url_origin(old.url)));
  else
    v_detail := '{}'::jsonb;
    if new.url is distinct from old.url then
      v_detail := v_detail || jsonb_build_object('url', jsonb_build_object(
        'from', private.url_origin(old.url), 'to', private.url_origin(new.url)));
    end if;
    if new.event_types is distinct from old.event_types then
      v_detail := v_detail || jsonb_build_object('event_types', jsonb_build_object(
        'from', to_jsonb(old.event_types), 'to', to_jsonb(new.event_types)));
    end if;
    if new.description is distinct from old.description then
      v_detail := v_detail || jsonb_build_object('description', jsonb_build_object(
        'from', old.description, 'to', new.description));
    end if;
    if new.enabled is distinct from old.enabled then
      v_detail := v_detail || jsonb_build_object('enabled', jsonb_build_object(
        'from', old.enabled, 'to', new.enabled), 'disabled_reason', new.disabled_reason);
    end if;
    if v_detail <> '{}'::jsonb then
      perform private.audit_core(new.tenant_id, 'webhook_endpoint_updated',
        jsonb_build_object('endpoint_id', new.id) || v_detail);
    end if;
  end if;
  return null;
end
$$;

-- Not on `failing_since` alone: the delivery function's bookkeeping is no change of
-- the endpoint's; its disabling one (`enabled`) is.
create trigger webhook_endpoints_audit
  after insert or update of url, description, event_types, enabled or delete
  on public.webhook_endpoints
  for each row execute function private.audit_webhook_endpoint_change();

create function private.audit_webhook_secret_rotation()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.audit_core(e.tenant_id, 'webhook_endpoint_secret_rotated',
    jsonb_build_object('endpoint_id', new.endpoint_id,
                       'previous_expires_at', new.previous_expires_at))
  from public.webhook_endpoints e
  where e.id = new.endpoint_id;
  return null;
end
$$;

create trigger webhook_endpoint_secrets_audit
  after update of current_secret on private.webhook_endpoint_secrets
  for each row when (new.current_secret is distinct from old.current_secret)
  execute function private.audit_webhook_secret_rotation();

-- A redelivery, as the caller: the delivery back at its first attempt (the
-- relay sends it again; its attempts stay in the log), and its audit row. A
-- function rather than a trigger on the deliveries, which the relay and the
-- delivery function update all the time. Answers 'pending', 'endpoint_disabled'
-- (nothing changed), or null when the caller sees no such delivery.
create function private.redeliver_webhook(p_endpoint uuid, p_delivery uuid)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_delivery public.webhook_deliveries;
begin
  select d.* into v_delivery
  from public.webhook_deliveries d
  where d.id = p_delivery and d.endpoint_id = p_endpoint
    and private.tenant_role(d.tenant_id) in ('admin', 'owner')
  for update;
  if not found then
    return null;
  end if;
  if not (select e.enabled from public.webhook_endpoints e where e.id = p_endpoint) then
    return 'endpoint_disabled';
  end if;
  update public.webhook_deliveries
  set status = 'pending', attempts = 0, queued_at = null, next_attempt_at = now()
  where id = p_delivery;
  perform private.audit_core(v_delivery.tenant_id, 'webhook_redelivered',
    jsonb_build_object('endpoint_id', p_endpoint, 'delivery_id', p_delivery,
                       'event_id', v_delivery.event_id, 'from', jsonb_build_object(
                         'status', v_delivery.status, 'attempts', v_delivery.attempts)));
  return 'pending';
end
$$;

create function private.limit_webhook_endpoints()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_count integer;
begin
  perform pg_advisory_xact_lock(hashtextextended('webhook_endpoints:' || new.tenant_id::text, 0));
  select count(*) into v_count from public.webhook_endpoints where tenant_id = new.tenant_id;
  if v_count >= 20 then
    raise exception 'a tenant has at most 20 webhook endpoints'
      using errcode = 'SN020';
  end if;
  return new;
end
$$;

create trigger webhook_endpoints_limit
  before insert on public.webhook_endpoints
  for each row execute function private.limit_webhook_endpoints();

create function private.webhook_event_of(p_event uuid)
returns table (type text, payload bytea)
language sql
stable
security definer
set search_path = ''
as $$
  select e.type, e.payload
  from private.webhook_events e
  where e.id = p_event and private.tenant_role(e.tenant_id) in ('admin', 'owner')
$$;

revoke all on function
  private.url_origin(text),
  private.audit_webhook_endpoint_change(),
  private.audit_webhook_secret_rotation(),
  private.redeliver_webhook(uuid, uuid),
  private.limit_webhook_endpoints(),
  private.webhook_event_of(uuid)
from public;
grant execute on function private.webhook_event_of(uuid), private.redeliver_webhook(uuid, uuid)
  to authenticated, service_role;
