-- Webhook delivery (issue 29, docs/decisions/webhooks.md): what the relay and
-- the delivery function need beyond the schema of 20260126000100.
--
-- - The relay's second look: a pending delivery whose message was lost (the
--   relay stopped between marking it queued and sending it, or the message
--   rested in the dead-letter queue) is found by its `next_attempt_at` long
--   past (webhooks/relay.py, `LOST_AFTER`). An index keeps that look cheap.
-- - A token bucket per tenant, checked before each attempt, so that one
--   tenant's burst cannot take all of the delivery function's concurrency
--   (webhooks/function.py, `TENANT_RATE` and `TENANT_BURST`).

create index webhook_deliveries_pending_idx
  on public.webhook_deliveries (next_attempt_at) where status = 'pending';

create table private.webhook_tenant_budget (
  tenant_id uuid primary key references public.tenants (id) on delete cascade,
  -- Attempts the tenant may still start now; refilled at the caller's rate.
  tokens double precision not null,
  refilled_at timestamptz not null
);
revoke all on private.webhook_tenant_budget from public, anon, authenticated;
grant select, insert, update, delete on private.webhook_tenant_budget to service_role;

-- Takes one token from the tenant's bucket (`p_burst` tokens at most, refilled
-- at `p_rate` a second); false when the bucket is empty, and nothing taken.
-- One statement, so that concurrent attempts of one tenant queue on its row
-- and never both take the last token.
create function private.take_webhook_token(
  p_tenant uuid,
  p_rate double precision,
  p_burst double precision,
  p_now timestamptz default clock_timestamp()
)
returns boolean
language sql
security definer
set search_path = ''
as $$
  insert into private.webhook_tenant_budget as b (tenant_id, tokens, refilled_at)
  values (p_tenant, p_burst - 1, p_now)
  on conflict (tenant_id) do update
    set tokens = least(
          p_burst,
          b.tokens + p_rate * greatest(extract(epoch from p_now - b.refilled_at), 0)
        ) - 1,
        refilled_at = greatest(b.refilled_at, p_now)
    where least(
          p_burst,
          b.tokens + p_rate * greatest(extract(epoch from p_now - b.refilled_at), 0)
        ) >= 1
  returning true
$$;
revoke all on function private.take_webhook_token(uuid, double precision, double precision, timestamptz)
  from public, anon, authenticated;
grant execute on function private.take_webhook_token(uuid, double precision, double precision, timestamptz)
  to service_role;
