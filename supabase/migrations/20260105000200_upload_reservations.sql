-- Multipart uploads and their reservations (issue 25): a completion checks
-- that its upload's reservation still holds, an upload whose size is not
-- declared holds room as its parts are signed, and a removed member's
-- unfinished uploads stop holding anything at once.

-- An upload's reservations are found by its S3 id (completion, growth,
-- removal of its member).
create index file_reservations_upload_idx
  on public.file_reservations (tenant_id, upload_id) where upload_id is not null;

-- Room for the multipart upload `p_upload` at `p_path`: `p_bytes` and one
-- object. When an unexpired reservation of that upload already holds at
-- least `p_bytes`, it stands and nothing is claimed (`reservation_ids` is
-- empty). Otherwise `private.reserve_file_quota` claims afresh, in place of
-- the upload's earlier reservations (with `p_up_to`: what is left, up to
-- `p_bytes`). So a completion never trusts what its upload id says was
-- reserved, and an undeclared upload's reservation only grows.
create function private.hold_upload_quota(
  p_tenant uuid,
  p_path text,
  p_bytes bigint,
  p_seconds integer,
  p_up_to boolean,
  p_upload text,
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
begin
  if exists (
    select 1 from public.file_reservations r
    where r.tenant_id = p_tenant and r.upload_id = p_upload
      and r.expires_at > now() and r.bytes >= p_bytes
  ) then
    fits := true;
    requested_bytes := p_bytes;
    requested_objects := 1;
    reservation_ids := '{}';
    return;
  end if;
  select q.fits, q.limit_name, q.max_bytes, q.max_objects, q.used_bytes, q.used_objects,
         q.reserved_bytes, q.reserved_objects, q.requested_bytes, q.requested_objects,
         q.reservation_ids
  into fits, limit_name, max_bytes, max_objects, used_bytes, used_objects,
       reserved_bytes, reserved_objects, requested_bytes, requested_objects, reservation_ids
  from private.reserve_file_quota(
    p_tenant, array[p_path], array[p_bytes], array[1::bigint], p_seconds, p_up_to, p_upload
  ) q;
end
$$;

revoke all on function private.hold_upload_quota(uuid, text, bigint, integer, boolean, text)
  from public;
grant execute on function private.hold_upload_quota(uuid, text, bigint, integer, boolean, text)
  to service_role;

-- Every unfinished upload of a tenant, newest first: its owners' and admins'
-- listing (GET /files/unfinished-uploads).
create index file_uploads_tenant_idx
  on public.file_uploads (tenant_id, created_at desc, storage_upload_id desc);

-- A member removed from a tenant (or who left) keeps no room in its quota:
-- in the same transaction as the removal, the reservations of their
-- unfinished uploads end and the uploads are marked, for the file API to
-- abort in S3 (file_lambda/uploads.py: when the tenant's owners or admins
-- next list its unfinished uploads; the bucket's lifecycle otherwise). Their
-- presigned forms keep their reservations: S3 accepts a form until it
-- expires, whoever holds it, so its room stays claimed until then.
alter table public.file_uploads add column member_removed_at timestamptz;

create function private.release_removed_members_uploads()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  update public.file_uploads u set member_removed_at = now()
  where u.tenant_id = old.tenant_id and u.user_id = old.user_id
    and u.member_removed_at is null;
  delete from public.file_reservations r
  using public.file_uploads u
  where r.tenant_id = old.tenant_id and r.upload_id = u.storage_upload_id
    and u.tenant_id = old.tenant_id and u.user_id = old.user_id;
  return null;
end
$$;

create trigger tenant_members_release_uploads
  after delete on public.tenant_members
  for each row execute function private.release_removed_members_uploads();

revoke all on function private.release_removed_members_uploads() from public;
