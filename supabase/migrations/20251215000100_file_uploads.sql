-- Unfinished multipart uploads of the file API: which user of which tenant
-- started each one, so that a client that lost its state can list its own
-- uploads to resume or abort them (GET /files/multipart).
--
-- S3 keeps the parts and knows the key, but not who started an upload; this
-- table does. The file API inserts a row when it creates an upload and deletes
-- it on completion or abort; rows of uploads that the bucket's lifecycle
-- aborted are no longer listed after MULTIPART_ABORT_DAYS and are deleted
-- when their owner next starts an upload. Only the file API's own connection
-- touches it: no client role may read or write it, even through PostgREST.

create table public.file_uploads (
  -- S3's upload id: unique per upload.
  storage_upload_id text primary key check (char_length(storage_upload_id) between 1 and 1024),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  -- A plain id, as tenants.created_by: the upload ends with its parts anyway.
  user_id uuid not null,
  -- Relative to the tenant's root, as the API shows it.
  path text not null check (char_length(path) between 1 and 1024),
  -- Declared when the upload was created; null when the client did not say
  -- (Uppy's sessions), in which case only the configured maximum applies.
  size bigint check (size is null or size >= 0),
  content_type text not null,
  overwrite boolean not null,
  checksum text check (checksum is null or checksum = 'sha256'),
  created_at timestamptz not null default now()
);
create index file_uploads_owner_idx
  on public.file_uploads (tenant_id, user_id, created_at desc, storage_upload_id desc);

alter table public.file_uploads enable row level security;
-- No policy: `anon` and `authenticated` see nothing, even if granted.
revoke all on public.file_uploads from anon, authenticated;
grant all on public.file_uploads to service_role;
