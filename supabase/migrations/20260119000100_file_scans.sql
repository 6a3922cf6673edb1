-- Malware scanning (issue 28): each object version's verdict, as GuardDuty
-- Malware Protection for S3 (or `make dev`'s scanner, at the same boundary)
-- reported it. The scan results reach the file API's consumer through the
-- bucket-changes queue (docs/decisions/malware-scanning.md) and are recorded
-- here by `private.record_scan_result`, idempotent and order-free:
--
-- - a result may arrive before the version's own change (the ledger's
--   `file_versions` row): the verdict is keyed by the version alone, so it
--   waits for nothing;
-- - a duplicate changes nothing;
-- - of two results for one version, the later scan wins (the event's time),
--   and at the same time the more severe (infected > failed > unscannable >
--   clean), then the greater of the rest: every order of the same results
--   ends in the same row (tests/files/test_scan_results.py, a property test).
--
-- A version without a row is `pending`. The file API reads a verdict before
-- it hands a version to anyone (`file_lambda/scans.py`): `infected` to nobody,
-- `pending`, `unscannable` and `failed` to the tenant's members only (pending
-- only where the tenant allows it, or to the member who wrote it).

create table public.file_scans (
  tenant_id uuid not null,
  -- Relative to the tenant's root, as the API shows it.
  path text not null check (char_length(path) between 1 and 1024),
  -- S3's version id ("null" for an object written while versioning was off).
  version_id text not null check (char_length(version_id) between 1 and 1024),
  -- The scanned object's ETag, for listings (S3 lists keys with ETags, not
  -- version ids); downloads judge by the version id.
  etag text check (char_length(etag) <= 256),
  status text not null check (status in ('clean', 'infected', 'unscannable', 'failed')),
  -- What the scanner said: GuardDuty's scanResultStatus, kept as it said it.
  result text not null
    check (result in ('NO_THREATS_FOUND', 'THREATS_FOUND', 'UNSUPPORTED', 'ACCESS_DENIED', 'FAILED')),
  -- The threats' names (at most 32, as GuardDuty reports at most the top 32).
  threats text[] not null default '{}' check (cardinality(threats) <= 32),
  -- When the scanner reported (the EventBridge event's `time`).
  scanned_at timestamptz not null,
  recorded_at timestamptz not null default now(),
  primary key (tenant_id, path, version_id)
);

-- A tenant's choice: may its members read a version not scanned yet? (Default:
-- no; the member who wrote a version may, whatever the choice.)
alter table public.tenants add column members_read_pending boolean not null default false;

alter table public.file_scans enable row level security;
-- No policy: `anon` and `authenticated` see nothing, even if granted.
revoke all on public.file_scans from anon, authenticated;
grant all on public.file_scans to service_role;

-- How bad a status is, for the tie between two results of the same time.
create function private.scan_severity(p_status text)
returns integer
language sql
immutable
set search_path = ''
as $$
  select case p_status
    when 'infected' then 3 when 'failed' then 2 when 'unscannable' then 1 else 0
  end
$$;

-- Record one scan result; true when the version's verdict changed. A verdict
-- that becomes `infected`, `unscannable` or `failed` adds a row to the tenant's
-- audit trail (source `bucket`, action `scan_<status>`, the threats in
-- `detail`); the rows of the version's writing (`object_created`, and the
-- API's own with its actor) say who wrote it and how it came in.
create function private.record_scan_result(
  p_tenant uuid,
  p_path text,
  p_version text,
  p_etag text,
  p_result text,
  p_threats text[],
  p_scanned_at timestamptz
)
returns boolean
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_status text := case p_result
    when 'NO_THREATS_FOUND' then 'clean'
    when 'THREATS_FOUND' then 'infected'
    when 'UNSUPPORTED' then 'unscannable'
    else 'failed'
  end;
  v_threats text[] := coalesce(p_threats, '{}');
  v_before text;
  v_after text;
begin
  select status into v_before from public.file_scans
  where tenant_id = p_tenant and path = p_path and version_id = p_version;
  insert into public.file_scans as s
    (tenant_id, path, version_id, etag, status, result, threats, scanned_at)
  values (p_tenant, p_path, p_version, p_etag, v_status, p_result, v_threats, p_scanned_at)
  on conflict (tenant_id, path, version_id) do update
    set etag = excluded.etag, status = excluded.status, result = excluded.result,
        threats = excluded.threats, scanned_at = excluded.scanned_at, recorded_at = now()
    where (excluded.scanned_at, private.scan_severity(excluded.status), excluded.result,
           excluded.threats::text, coalesce(excluded.etag, ''))
        > (s.scanned_at, private.scan_severity(s.status), s.result,
           s.threats::text, coalesce(s.etag, ''))
  returning status into v_after;
  if v_after is null or v_after is not distinct from v_before then
    return false;  -- a duplicate, an older result, or the same verdict again
  end if;
  if v_after <> 'clean' then
    insert into public.audit_events (tenant_id, source, action, path, version_id, outcome, detail)
    select t.id, 'bucket', 'scan_' || v_after, p_path, p_version, 'succeeded',
           jsonb_build_object('result', p_result, 'threats', to_jsonb(v_threats))
    from public.tenants t
    where t.id = p_tenant;
  end if;
  return true;
end;
$$;
revoke all on function private.record_scan_result(uuid, text, text, text, text, text[], timestamptz)
  from public;
grant execute on function private.record_scan_result(uuid, text, text, text, text, text[], timestamptz)
  to service_role;
revoke all on function private.scan_severity(text) from public;
grant execute on function private.scan_severity(text) to service_role;
