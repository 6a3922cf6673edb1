-- What each tenant stores, kept from the bucket's own change notifications
-- (issue 18): every object version S3 reports, and per top-level folder the
-- bytes and objects of current versions and of all versions.
--
-- S3 delivers its notifications at least once and in no particular order. So
-- a change is never applied as a delta: `private.apply_file_change` records
-- the version's state (created, a delete marker, removed), idempotently, and
-- the folder's totals move by the difference between the key's usage before
-- and after. The rows a key ends with do not depend on the order its changes
-- arrived in, nor on duplicates, and neither do the totals:
--
-- - a version is current when it is the key's live row with the highest
--   sequencer (S3 orders the events of one key by it), unless that row is a
--   delete marker;
-- - a removal seen before the creation it removes leaves a removed row, which
--   the late creation fills in but does not bring back.
--
-- Only the file API's connection writes these tables; clients read usage
-- through `GET /files/usage`, never directly.

create table public.file_versions (
  tenant_id uuid not null,
  -- Relative to the tenant's root, as the API shows it.
  path text not null check (char_length(path) between 1 and 1024),
  -- S3's version id ("null" for an object written while versioning was off).
  version_id text not null check (char_length(version_id) between 1 and 1024),
  -- Null until the creation is seen (a removal can arrive first).
  size bigint check (size is null or size >= 0),
  delete_marker boolean not null default false,
  -- The creation's sequencer, right-padded with zeros (as AWS says to compare
  -- sequencers of different lengths) so that text order is S3's order; null
  -- until the creation is seen.
  sequencer text collate "C" check (sequencer is null or sequencer ~ '^[0-9A-F]{64}$'),
  removed boolean not null default false,
  primary key (tenant_id, path, version_id)
);

create table public.file_usage (
  tenant_id uuid not null,
  -- The path's first segment; '' for files at the tenant's root.
  folder text not null,
  current_bytes bigint not null default 0,
  current_objects bigint not null default 0,
  -- Every version kept, current ones included (delete markers hold no bytes
  -- and are not objects).
  version_bytes bigint not null default 0,
  version_objects bigint not null default 0,
  primary key (tenant_id, folder)
);

alter table public.file_versions enable row level security;
alter table public.file_usage enable row level security;
-- No policy: `anon` and `authenticated` see nothing, even if granted.
revoke all on public.file_versions, public.file_usage from anon, authenticated;
grant all on public.file_versions, public.file_usage to service_role;

-- One key's usage: its current version's size (if any) and its versions'.
create function private.file_key_usage(
  p_tenant uuid,
  p_path text,
  out current_bytes bigint,
  out current_objects bigint,
  out version_bytes bigint,
  out version_objects bigint
)
language sql stable
set search_path = ''
as $$
  with live as (
    select size, delete_marker, sequencer
    from public.file_versions
    where tenant_id = p_tenant and path = p_path and not removed and sequencer is not null
  ), latest as (
    select size, delete_marker from live order by sequencer desc limit 1
  )
  select
    coalesce((select size from latest where not delete_marker), 0),
    (select count(*) from latest where not delete_marker),
    coalesce((select sum(size) from live where not delete_marker), 0)::bigint,
    (select count(*) from live where not delete_marker)
$$;

-- Record one change S3 reported and move the folder's totals by what it
-- changed. p_change: 'created' (with p_size), 'delete_marker', or 'removed'
-- (a version or delete marker deleted for good). Returns whether anything
-- changed: false for a duplicate.
create function private.apply_file_change(
  p_tenant uuid,
  p_path text,
  p_version text,
  p_change text,
  p_size bigint,
  p_sequencer text
)
returns boolean
language plpgsql
set search_path = ''
as $$
declare
  v_before record;
  v_after record;
  v_rows integer;
  v_sequencer text;
begin
  if p_change in ('created', 'delete_marker') then
    if p_sequencer is null or p_sequencer !~ '^[0-9A-Fa-f]{1,64}$' then
      raise exception 'a creation needs S3''s sequencer, got %', p_sequencer
        using errcode = '22023';
    end if;
    if p_change = 'created' and (p_size is null or p_size < 0) then
      raise exception 'a creation needs its size' using errcode = '22023';
    end if;
    v_sequencer := rpad(upper(p_sequencer), 64, '0');
  elsif p_change <> 'removed' then
    raise exception 'unknown change %', p_change using errcode = '22023';
  end if;

  -- Changes of one key apply one at a time, whichever consumer holds them,
  -- and never while the tenant is being reconciled.
  perform pg_advisory_xact_lock_shared(hashtextextended(p_tenant::text, 0));
  perform pg_advisory_xact_lock(hashtextextended(p_tenant::text || '/' || p_path, 0));
  select * into v_before from private.file_key_usage(p_tenant, p_path);

  if p_change = 'removed' then
    insert into public.file_versions as v (tenant_id, path, version_id, removed)
    values (p_tenant, p_path, p_version, true)
    on conflict (tenant_id, path, version_id) do update set removed = true
      where not v.removed;
  else
    insert into public.file_versions as v
      (tenant_id, path, version_id, size, delete_marker, sequencer)
    values (
      p_tenant, p_path, p_version,
      case when p_change = 'created' then p_size else 0 end,
      p_change = 'delete_marker', v_sequencer
    )
    on conflict (tenant_id, path, version_id) do update
      set size = excluded.size, delete_marker = excluded.delete_marker,
          sequencer = excluded.sequencer
      where v.sequencer is null;
  end if;
  get diagnostics v_rows = row_count;
  if v_rows = 0 then
    return false;
  end if;

  select * into v_after from private.file_key_usage(p_tenant, p_path);
  insert into public.file_usage as u
    (tenant_id, folder, current_bytes, current_objects, version_bytes, version_objects)
  values (
    p_tenant,
    case when strpos(p_path, '/') > 0 then split_part(p_path, '/', 1) else '' end,
    v_after.current_bytes - v_before.current_bytes,
    v_after.current_objects - v_before.current_objects,
    v_after.version_bytes - v_before.version_bytes,
    v_after.version_objects - v_before.version_objects
  )
  on conflict (tenant_id, folder) do update set
    current_bytes = u.current_bytes + excluded.current_bytes,
    current_objects = u.current_objects + excluded.current_objects,
    version_bytes = u.version_bytes + excluded.version_bytes,
    version_objects = u.version_objects + excluded.version_objects;
  return true;
end
$$;

-- Reconciliation: replace what is recorded of a tenant with a full version
-- listing of its prefix (p_versions: [{path, version_id, size, delete_marker,
-- is_latest}]), and its totals with theirs. Each key's latest entry gets a
-- higher sequencer than its others (0...01 against 0...00), and both are
-- lower than any S3 sends, so every change notified after the listing wins. Returns the
-- totals as they were recorded before, to report the drift.
create function private.reconcile_file_usage(p_tenant uuid, p_versions jsonb)
returns setof public.file_usage
language plpgsql
set search_path = ''
as $$
begin
  perform pg_advisory_xact_lock(hashtextextended(p_tenant::text, 0));
  return query delete from public.file_usage where tenant_id = p_tenant returning *;
  delete from public.file_versions where tenant_id = p_tenant;
  insert into public.file_versions (tenant_id, path, version_id, size, delete_marker, sequencer)
  select p_tenant, v.path, v.version_id,
         case when v.delete_marker then 0 else v.size end, v.delete_marker,
         repeat('0', 63) || case when v.is_latest then '1' else '0' end
  from jsonb_to_recordset(p_versions)
    as v(path text, version_id text, size bigint, delete_marker boolean, is_latest boolean);
  insert into public.file_usage
    (tenant_id, folder, current_bytes, current_objects, version_bytes, version_objects)
  select p_tenant,
         case when strpos(path, '/') > 0 then split_part(path, '/', 1) else '' end as folder,
         coalesce(sum(size) filter (where current), 0),
         count(*) filter (where current),
         coalesce(sum(size), 0),
         count(*)
  from (
    select path, size, delete_marker,
           sequencer = max(sequencer) over (partition by path) as current
    from public.file_versions
    where tenant_id = p_tenant
  ) kept
  where not delete_marker
  group by 2;
end
$$;

revoke all on function private.file_key_usage(uuid, text) from public;
revoke all on function private.apply_file_change(uuid, text, text, text, bigint, text) from public;
revoke all on function private.reconcile_file_usage(uuid, jsonb) from public;
grant execute on function private.apply_file_change(uuid, text, text, text, bigint, text)
  to service_role;
grant execute on function private.reconcile_file_usage(uuid, jsonb) to service_role;
