-- File requests (issue 27, "File requests (in)"): a member opens a request on
-- a folder; people without an account upload files into it through a link
-- (file_lambda/requests/). Only the file API's own connection touches these
-- tables: no client role may read or write them, even through PostgREST.

create table public.file_requests (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  -- A plain id, as tenants.created_by: a request whose creator is no longer a
  -- member of the tenant stops working (the file API checks tenant_members).
  created_by uuid not null,
  -- SHA-256 of the link's token (file_lambda/public_links.py): the token itself
  -- is answered once, when the request is opened, and kept nowhere.
  token_hash bytea not null unique check (octet_length(token_hash) = 32),
  -- Relative to the tenant's root, as the API shows it; empty is the root.
  folder text not null check (char_length(folder) <= 1024),
  title text not null check (char_length(btrim(title)) between 1 and 200),
  message text check (char_length(message) <= 2000),
  expires_at timestamptz not null,
  max_file_size bigint not null check (max_file_size > 0),
  max_files integer not null check (max_files between 1 and 10000),
  -- Media types (`image/png`), families (`image/*`) or extensions (`.pdf`);
  -- empty: any type.
  allowed_types text[] not null default '{}' check (cardinality(allowed_types) <= 50),
  -- scrypt, self-describing (public_links.hash_password); null: no password.
  password_hash text check (char_length(password_hash) <= 256),
  ask_name text not null default 'off' check (ask_name in ('off', 'optional', 'required')),
  ask_email text not null default 'off' check (ask_email in ('off', 'optional', 'required')),
  closed_at timestamptz,
  created_at timestamptz not null default now()
);
-- Newest first per tenant and per creator: the listings' order and cursor.
create index file_requests_tenant_idx on public.file_requests (tenant_id, created_at desc, id desc);
create index file_requests_creator_idx
  on public.file_requests (tenant_id, created_by, created_at desc, id desc);

-- One row per upload into a request: a slot of its max_files from the start of
-- the upload. `uploading` and `completing` hold a slot until the upload's
-- lease ends; `completed` holds it for good; `aborted` and `expired` give it
-- back. Slots are taken under the request's row lock
-- (private.take_file_request_slot), so replays and races cannot exceed
-- max_files.
create table public.file_request_submissions (
  id uuid primary key default gen_random_uuid(),
  request_id uuid not null references public.file_requests (id) on delete cascade,
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  -- Where the file lives, relative to the tenant's root (never told the uploader).
  path text not null check (char_length(path) between 1 and 1024),
  -- The name the uploader sent (what they are answered).
  filename text not null check (char_length(filename) between 1 and 255),
  content_type text not null check (char_length(content_type) <= 255),
  size bigint check (size is null or size >= 0),
  version_id text check (char_length(version_id) <= 1024),
  -- As the uploader gave them: unverified.
  uploader_name text check (char_length(uploader_name) <= 200),
  uploader_email text check (char_length(uploader_email) <= 320),
  -- S3's upload id while uploading; kept afterwards for the audit's sake.
  storage_upload_id text check (char_length(storage_upload_id) <= 1024),
  state text not null default 'uploading'
    check (state in ('uploading', 'completing', 'completed', 'aborted', 'expired')),
  created_at timestamptz not null default now(),
  lease_ends_at timestamptz not null,
  completed_at timestamptz
);
create index file_request_submissions_request_idx
  on public.file_request_submissions (request_id, created_at desc, id desc);
-- Two unfinished uploads never share a path: the second picks another name.
create unique index file_request_submissions_unfinished_path_idx
  on public.file_request_submissions (tenant_id, path)
  where state in ('uploading', 'completing');

alter table public.file_requests enable row level security;
alter table public.file_request_submissions enable row level security;
-- No policy: `anon` and `authenticated` see nothing, even if granted.
revoke all on public.file_requests, public.file_request_submissions from anon, authenticated;
grant all on public.file_requests, public.file_request_submissions to service_role;

-- A slot of request `p_request` for a new upload at `p_path`: its submission,
-- or null when the request is closed, expired or has no slot left, or (with
-- `path_taken`) when another unfinished upload holds that path. Leases that ended give their
-- slot back first (their ids are answered, for the file API to abort them in
-- S3). Under the request's row lock, each statement sees the slots taken by
-- whoever held it before: concurrent calls cannot both take the last one.
create function private.take_file_request_slot(
  p_request uuid,
  p_path text,
  p_filename text,
  p_content_type text,
  p_uploader_name text,
  p_uploader_email text,
  p_lease_seconds integer,
  out submission_id uuid,
  out lapsed text[],
  out path_taken boolean
)
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_request public.file_requests;
  v_taken integer;
begin
  path_taken := false;
  lapsed := '{}';
  select * into v_request from public.file_requests where id = p_request for update;
  if not found or v_request.closed_at is not null or v_request.expires_at <= now() then
    return;
  end if;
  with ended as (
    update public.file_request_submissions
    set state = 'expired'
    where request_id = p_request and state = 'uploading' and lease_ends_at <= now()
    returning storage_upload_id, path
  )
  select coalesce(array_agg(path || E'\x1f' || storage_upload_id), '{}')
  into lapsed from ended where storage_upload_id is not null;
  select count(*) into v_taken from public.file_request_submissions
  where request_id = p_request and state in ('uploading', 'completing', 'completed');
  if v_taken >= v_request.max_files then
    return;
  end if;
  begin
    insert into public.file_request_submissions
      (request_id, tenant_id, path, filename, content_type, uploader_name, uploader_email,
       lease_ends_at)
    values
      (p_request, v_request.tenant_id, p_path, p_filename, p_content_type, p_uploader_name,
       p_uploader_email, now() + make_interval(secs => p_lease_seconds))
    returning id into submission_id;
  exception when unique_violation then
    path_taken := true;
  end;
end;
$$;
revoke all on function private.take_file_request_slot(uuid, text, text, text, text, text, integer)
  from public;
grant execute on function private.take_file_request_slot(uuid, text, text, text, text, text, integer)
  to service_role;
