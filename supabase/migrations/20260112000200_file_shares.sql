-- Share links (issue 27, files out): a member hands a file or a folder to
-- someone without an account through a URL with a secret in it
-- (file_lambda/shares/). The table keeps the secret's SHA-256 only: a copy
-- of it opens no link. A link stops working when it expires, is revoked,
-- reaches its download limit, when its target is gone, or when its creator
-- is no longer a member of the tenant (checked against `tenant_members` at
-- every use); its row stays, so that its recipients learn which (`410`)
-- and its tenant keeps the record.
--
-- The file API's public routes write rows of `audit_events` themselves (no
-- caller, so the audit middleware does not): `share_downloaded` for each
-- counted download and `share_unlock_failed` for each wrong password, with
-- a null actor and the link's id and the client's address in `detail`.

create table public.file_shares (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  -- A plain id, as file_uploads.user_id: a creator who leaves the tenant (or
  -- is deleted) stops the link, and the row stays to say so.
  created_by uuid not null,
  -- SHA-256 of the link's 256-bit token (file_lambda/public_links.py).
  token_hash bytea not null unique check (octet_length(token_hash) = 32),
  -- Relative to the tenant's root, as the API shows it; a folder without '/'.
  path text not null check (char_length(path) between 1 and 1024),
  kind text not null check (kind in ('file', 'folder')),
  label text check (char_length(label) <= 200),
  expires_at timestamptz not null,
  -- scrypt, self-describing (`scrypt$N$r$p$salt$digest`); null: no password.
  password_hash text check (password_hash is null or password_hash like 'scrypt$%'),
  max_downloads integer check (max_downloads is null or max_downloads > 0),
  -- Counted by one conditional UPDATE each: never past max_downloads, even racing.
  downloads integer not null default 0
    check (downloads >= 0 and (max_downloads is null or downloads <= max_downloads)),
  lists_contents boolean not null default false check (kind = 'folder' or not lists_contents),
  revoked_at timestamptz,
  created_at timestamptz not null default now()
);
-- The management listings, newest first: a tenant's (admins), a creator's (members).
create index file_shares_tenant_idx on public.file_shares (tenant_id, created_at desc, id desc);
create index file_shares_creator_idx
  on public.file_shares (tenant_id, created_by, created_at desc, id desc);

alter table public.file_shares enable row level security;
-- No policy: `anon` and `authenticated` see nothing, even if granted.
revoke all on public.file_shares from anon, authenticated;
grant all on public.file_shares to service_role;
