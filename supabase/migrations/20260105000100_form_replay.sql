-- A presigned form posted again, and a write freeing another's reservation
-- (issue 25, items 1 and 2).
--
-- S3 cannot make a POST policy single-use: a form writes a new version each
-- time it is posted until it expires, and S3's notification of a version
-- names only its key, size, version id, eTag and sequencer (no form, no
-- metadata). So the ledger decides, as each created version is recorded,
-- whether a reservation covered it:
--
-- - A version consumes one unexpired reservation at its path that holds at
--   least its bytes: the smallest such, the oldest of equals. An API write's
--   reservation is exactly its size, so it takes its own, never a larger
--   one held by a multipart upload or a form at the same path (before, the
--   path's oldest reservation went, whichever write made it).
-- - A version no reservation covers (a form posted again, a write whose
--   reservation lapsed, one that reached the bucket without the API) is kept
--   when it fits in what is left of the quota, as if it had reserved when it
--   arrived; otherwise it is noted in `public.file_excess_versions`, and the
--   queue's consumer removes it from the bucket, records the removal in the
--   ledger and writes an audit row (`private.excess_version_removed`).
--
-- Uncovered versions of one tenant are judged one at a time (their own
-- advisory lock), so two replays recorded at once cannot both take the same
-- room. Covered versions only trade a reservation for what they use, so
-- used + reserved never grows through them.

create table public.file_excess_versions (
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  path text not null check (char_length(path) between 1 and 1024),
  version_id text not null check (char_length(version_id) between 1 and 1024),
  size bigint not null check (size >= 0),
  -- The limit it did not fit in, and that limit's quota when it arrived.
  limit_name text not null check (limit_name in ('bytes', 'objects')),
  quota bigint not null,
  noted_at timestamptz not null default now(),
  primary key (tenant_id, path, version_id)
);
create index file_excess_versions_noted_idx on public.file_excess_versions (noted_at);

alter table public.file_excess_versions enable row level security;
-- No policy: `anon` and `authenticated` see nothing, even if granted.
revoke all on public.file_excess_versions from anon, authenticated;
grant all on public.file_excess_versions to service_role;

-- Replaces 20251229000100's: the same trigger, a covering reservation instead
-- of the path's oldest, and the backstop for a version none covers.
create or replace function private.release_file_reservation()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_size bigint := coalesce(new.size, 0);
  v_max_bytes bigint;
  v_max_objects bigint;
  v_used_bytes bigint;
  v_used_objects bigint;
  v_reserved_bytes bigint;
  v_reserved_objects bigint;
begin
  if new.sequencer <= repeat('0', 63) || '1' then
    return null;  -- reconciliation: a recount, not a write
  end if;
  -- apply_file_change holds this path's lock: no other version of it is
  -- being recorded, so nothing else can take the same reservation.
  delete from public.file_reservations r
  where r.id = (
    select x.id from public.file_reservations x
    where x.tenant_id = new.tenant_id and x.path = new.path
      and x.bytes >= v_size and x.expires_at > now()
    order by x.bytes, x.id limit 1
  );
  if found or new.removed then
    return null;  -- covered; or already gone (its removal arrived first)
  end if;

  select q.max_bytes, q.max_objects into v_max_bytes, v_max_objects
  from public.tenant_quotas q where q.tenant_id = new.tenant_id;
  if not found or (v_max_bytes is null and v_max_objects is null) then
    return null;
  end if;
  perform pg_advisory_xact_lock(hashtextextended(new.tenant_id::text || '/uncovered', 0));
  -- The ledger's totals do not hold this version yet (they move after this
  -- trigger), nor any other uncovered one not yet committed: the lock above
  -- makes each see the ones judged before it.
  select
    coalesce((select sum(u.version_bytes) from public.file_usage u where u.tenant_id = new.tenant_id), 0),
    coalesce((select sum(u.version_objects) from public.file_usage u where u.tenant_id = new.tenant_id), 0),
    coalesce((select sum(r.bytes) from public.file_reservations r
              where r.tenant_id = new.tenant_id and r.expires_at > now()), 0),
    coalesce((select sum(r.objects) from public.file_reservations r
              where r.tenant_id = new.tenant_id and r.expires_at > now()), 0)
  into v_used_bytes, v_used_objects, v_reserved_bytes, v_reserved_objects;
  if v_max_bytes is not null and v_used_bytes + v_reserved_bytes + v_size > v_max_bytes then
    insert into public.file_excess_versions (tenant_id, path, version_id, size, limit_name, quota)
    values (new.tenant_id, new.path, new.version_id, v_size, 'bytes', v_max_bytes)
    on conflict do nothing;
  elsif v_max_objects is not null and v_used_objects + v_reserved_objects + 1 > v_max_objects then
    insert into public.file_excess_versions (tenant_id, path, version_id, size, limit_name, quota)
    values (new.tenant_id, new.path, new.version_id, v_size, 'objects', v_max_objects)
    on conflict do nothing;
  end if;
  return null;
end
$$;

-- The consumer removed an excess version from the bucket: record the removal
-- in the ledger now (S3's own notification of it is then a duplicate), end
-- the note, and say why in the audit trail, next to the ledger's own
-- `version_removed` row. A version no longer noted changes nothing.
create function private.excess_version_removed(p_tenant uuid, p_path text, p_version text)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_excess public.file_excess_versions;
begin
  delete from public.file_excess_versions e
  where e.tenant_id = p_tenant and e.path = p_path and e.version_id = p_version
  returning * into v_excess;
  if not found then
    return false;
  end if;
  perform private.apply_file_change(p_tenant, p_path, p_version, 'removed', null, null);
  insert into public.audit_events
    (tenant_id, source, action, path, version_id, size, outcome, code, detail)
  values (
    p_tenant, 'bucket', 'over_quota_version_removed', p_path, p_version, v_excess.size,
    'succeeded', 'quota_exceeded',
    jsonb_build_object(
      'limit', v_excess.limit_name, 'quota', v_excess.quota,
      'noted_at', v_excess.noted_at,
      'reason', 'no reservation covered this version and it did not fit in the quota'
    )
  );
  return true;
end
$$;

revoke all on function private.excess_version_removed(uuid, text, text) from public;
grant execute on function private.excess_version_removed(uuid, text, text) to service_role;
