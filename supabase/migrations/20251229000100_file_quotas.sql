-- Tenant quotas (issue 18): a cap on what a tenant stores, checked at every
-- door through which the file API lets bytes in.
--
-- What counts is what the bucket stores and bills: every version the ledger
-- of the bucket's changes holds (`public.file_usage`'s version_bytes and
-- version_objects), so a deleted file keeps counting while it sits in the
-- trash, until it is purged or the lifecycle expires it.
--
-- The ledger learns of a write only once the bucket's notification has come
-- through the queue, and a presigned form or a multipart upload writes
-- without the API at all. So each door first claims what it may write, as a
-- reservation (`private.reserve_file_quota`), under an exclusive per-tenant
-- lock: the tenant's reservations and ledger together never promise more than
-- the quota. A reservation ends when the ledger records a version created at
-- its path (the oldest one there goes: the write it stood for is now counted
-- as used), when the API's own write fails, or at its `expires_at`: the end of
-- the write's window plus an allowance for the queue's delay.
--
-- Only the file API's connection (service_role) reserves; the core service
-- sets quotas as service_role and shows them to the tenant's owners and admins.

create table public.tenant_quotas (
  tenant_id uuid primary key references public.tenants (id) on delete cascade,
  -- Null: no limit of that kind.
  max_bytes bigint check (max_bytes is null or max_bytes >= 0),
  max_objects bigint check (max_objects is null or max_objects >= 0),
  updated_at timestamptz not null default now(),
  -- Who set it: 'service_role' (an operator's key), for the record.
  updated_by text not null default 'service_role' check (char_length(updated_by) <= 200)
);

create table public.file_reservations (
  id bigint generated always as identity primary key,
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  -- Relative to the tenant's root, as the ledger records it.
  path text not null check (char_length(path) between 1 and 1024),
  bytes bigint not null check (bytes >= 0),
  objects bigint not null check (objects >= 0),
  -- S3's id of the multipart upload it holds room for, if it is one.
  upload_id text check (char_length(upload_id) <= 1024),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index file_reservations_path_idx on public.file_reservations (tenant_id, path, id);
create index file_reservations_expires_idx on public.file_reservations (expires_at);

alter table public.tenant_quotas enable row level security;
alter table public.file_reservations enable row level security;

-- Owners and admins read their tenant's quota; nobody but service_role writes it.
create policy "owners and admins read their quota" on public.tenant_quotas
  for select to authenticated
  using ((select private.tenant_role(tenant_id)) in ('owner', 'admin'));
revoke all on public.tenant_quotas from anon, authenticated;
grant select on public.tenant_quotas to authenticated;
grant all on public.tenant_quotas to service_role;

-- No policy: `anon` and `authenticated` see nothing, even if granted.
revoke all on public.file_reservations from anon, authenticated;
grant all on public.file_reservations to service_role;

-- Claim room for writes at `p_paths` (p_bytes and p_objects per path) in the
-- tenant's quota. Under an exclusive per-tenant lock, the same key the ledger
-- takes shared (`private.apply_file_change`) and reconciliation exclusive: no
-- two reservations of a tenant interleave, and no recorded change lands
-- between reading what is used and what is reserved.
--
-- It fits when used (all versions) + unexpired reservations + requested stay
-- within every limit set; then one reservation per path with something to
-- hold is inserted, expiring `p_seconds` from now. With `p_up_to` (one path
-- only), the bytes asked for are the most wanted: what is left is granted
-- when that is less, and it fits when at least one byte is left (or none was
-- asked). `p_upload` names the multipart upload the claim is for: the
-- reservation carries it, and the upload's earlier ones (its creation's,
-- when its completion claims the actual size) do not count as reserved and
-- are replaced when this one fits. Returns the numbers either way; a tenant
-- without a quota always fits, and nothing is reserved for it.
create function private.reserve_file_quota(
  p_tenant uuid,
  p_paths text[],
  p_bytes bigint[],
  p_objects bigint[],
  p_seconds integer,
  p_up_to boolean default false,
  p_upload text default null,
  out fits boolean,
  out limit_name text,
  out max_bytes bigint,
  out max_objects bigint,
  out used_bytes bigint,
  out used_objects bigint,
  out reserved_bytes bigint,
  out reserved_objects bigint,
  out requested_bytes bigint,
  out requested_objects bigint,
  out reservation_ids bigint[]
)
language plpgsql
set search_path = ''
as $$
declare
  v_left bigint;
begin
  if cardinality(p_paths) is distinct from cardinality(p_bytes)
     or cardinality(p_paths) is distinct from cardinality(p_objects)
     or cardinality(p_paths) = 0
     or (p_up_to and cardinality(p_paths) <> 1) then
    raise exception 'one size and one object count per path' using errcode = '22023';
  end if;
  requested_bytes := (select sum(b) from unnest(p_bytes) b);
  requested_objects := (select sum(o) from unnest(p_objects) o);
  reservation_ids := '{}';

  select q.max_bytes, q.max_objects into max_bytes, max_objects
  from public.tenant_quotas q where q.tenant_id = p_tenant;
  if not found or (max_bytes is null and max_objects is null) then
    fits := true;  -- no quota: one indexed read, no lock, nothing held
    return;
  end if;

  perform pg_advisory_xact_lock(hashtextextended(p_tenant::text, 0));
  -- Lapsed claims go (this tenant's, and a few of anyone's), so the table stays small.
  delete from public.file_reservations r
  where r.tenant_id = p_tenant and r.expires_at <= now();
  -- Skipping rows another transaction holds: two tenants' reservations
  -- sweeping at once never wait for each other (nor deadlock).
  delete from public.file_reservations r
  where r.id in (
    select x.id from public.file_reservations x
    where x.expires_at <= now()
    order by x.expires_at limit 100
    for update skip locked
  );

  select
    coalesce((select sum(u.version_bytes) from public.file_usage u where u.tenant_id = p_tenant), 0),
    coalesce((select sum(u.version_objects) from public.file_usage u where u.tenant_id = p_tenant), 0),
    coalesce((select sum(r.bytes) from public.file_reservations r
              where r.tenant_id = p_tenant
                and (p_upload is null or r.upload_id is distinct from p_upload)), 0),
    coalesce((select sum(r.objects) from public.file_reservations r
              where r.tenant_id = p_tenant
                and (p_upload is null or r.upload_id is distinct from p_upload)), 0)
  into used_bytes, used_objects, reserved_bytes, reserved_objects;

  -- Up to: grant what is left when that is less, if anything is; when
  -- nothing is, what was asked stays the request, and is refused below.
  v_left := max_bytes - used_bytes - reserved_bytes;
  if p_up_to and v_left >= 1 then
    requested_bytes := least(requested_bytes, v_left);
  end if;

  if max_bytes is not null and used_bytes + reserved_bytes + requested_bytes > max_bytes then
    fits := false;
    limit_name := 'bytes';
  elsif max_objects is not null
        and used_objects + reserved_objects + requested_objects > max_objects then
    fits := false;
    limit_name := 'objects';
  else
    fits := true;
  end if;
  if not fits then
    return;
  end if;

  if p_upload is not null then
    delete from public.file_reservations r
    where r.tenant_id = p_tenant and r.upload_id = p_upload;
  end if;
  with claimed as (
    insert into public.file_reservations (tenant_id, path, bytes, objects, upload_id, expires_at)
    select p_tenant, c.path,
           case when p_up_to then requested_bytes else c.bytes end,
           c.objects,
           p_upload,
           now() + make_interval(secs => p_seconds)
    from unnest(p_paths, p_bytes, p_objects) with ordinality as c(path, bytes, objects, n)
    where c.bytes > 0 or c.objects > 0
    order by c.n
    returning id
  )
  select coalesce(array_agg(id order by id), '{}') into reservation_ids from claimed;
end
$$;

-- What a tenant uses and has reserved, for its quota's readers: the tenant's
-- owners and admins, and service_role (the ledger is not theirs to read).
create function private.file_quota_usage(
  p_tenant uuid,
  out used_bytes bigint,
  out used_objects bigint,
  out reserved_bytes bigint,
  out reserved_objects bigint
)
returns setof record
language sql stable security definer
set search_path = ''
as $$
  select
    coalesce((select sum(u.version_bytes) from public.file_usage u where u.tenant_id = p_tenant), 0)::bigint,
    coalesce((select sum(u.version_objects) from public.file_usage u where u.tenant_id = p_tenant), 0)::bigint,
    coalesce((select sum(r.bytes) from public.file_reservations r
              where r.tenant_id = p_tenant and r.expires_at > now()), 0)::bigint,
    coalesce((select sum(r.objects) from public.file_reservations r
              where r.tenant_id = p_tenant and r.expires_at > now()), 0)::bigint
  where current_setting('role', true) = 'service_role'
     or private.tenant_role(p_tenant) in ('owner', 'admin')
$$;

-- The ledger recorded a version created at a path: the write a reservation
-- stood for is counted as used now, so the path's oldest reservation ends.
-- A duplicate notification changes no row (apply_file_change's upsert
-- updates only a row not yet created), so it fires nothing and frees nothing
-- more. Reconciliation's rows (sequencers at or below 0...01, below any S3
-- sends) are what was counted before, not new writes: they free nothing.
create function private.release_file_reservation()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.sequencer <= repeat('0', 63) || '1' then
    return null;
  end if;
  delete from public.file_reservations r
  where r.id = (
    select x.id from public.file_reservations x
    where x.tenant_id = new.tenant_id and x.path = new.path
    order by x.id limit 1
  );
  return null;
end
$$;

create trigger file_versions_release_reservation
  after insert on public.file_versions
  for each row
  when (new.sequencer is not null and not new.delete_marker)
  execute function private.release_file_reservation();
create trigger file_versions_release_reservation_late
  after update of sequencer on public.file_versions
  for each row
  when (old.sequencer is null and new.sequencer is not null and not new.delete_marker)
  execute function private.release_file_reservation();

revoke all on function private.reserve_file_quota(uuid, text[], bigint[], bigint[], integer, boolean, text) from public;
revoke all on function private.file_quota_usage(uuid) from public;
revoke all on function private.release_file_reservation() from public;
grant execute on function private.reserve_file_quota(uuid, text[], bigint[], bigint[], integer, boolean, text)
  to service_role;
grant execute on function private.file_quota_usage(uuid) to authenticated, service_role;
