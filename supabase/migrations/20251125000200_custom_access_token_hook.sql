-- Supabase Auth's custom access token hook: writes the user's memberships into
-- every access token as app_metadata.tenants = {tenant_id: role}, so the file
-- API knows tenant and role without a database round trip.
--
-- Enable it in the dashboard (Authentication > Hooks) or in config.toml:
--   [auth.hook.custom_access_token]
--   enabled = true
--   uri = "pg-functions://postgres/public/custom_access_token_hook"
--
-- Only app_metadata.tenants is touched: every claim Supabase requires (iss,
-- aud, exp, iat, sub, role, aal, session_id, email, phone, is_anonymous) is
-- returned as it came in.

create function public.custom_access_token_hook(event jsonb)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  claims jsonb := coalesce(event -> 'claims', '{}'::jsonb);
  memberships jsonb;
begin
  select coalesce(jsonb_object_agg(m.tenant_id::text, m.role::text), '{}'::jsonb)
    into memberships
  from public.tenant_members m
  where m.user_id = (event ->> 'user_id')::uuid;

  if jsonb_typeof(claims -> 'app_metadata') is distinct from 'object' then
    claims := jsonb_set(claims, '{app_metadata}', '{}'::jsonb);
  end if;
  claims := jsonb_set(claims, '{app_metadata,tenants}', memberships);

  return jsonb_set(event, '{claims}', claims);
end
$$;

-- As Supabase documents: only Supabase Auth may run the hook, and it reads
-- the memberships through a policy of its own.
grant usage on schema public to supabase_auth_admin;
grant execute on function public.custom_access_token_hook(jsonb) to supabase_auth_admin;
revoke execute on function public.custom_access_token_hook(jsonb)
  from authenticated, anon, public;

grant select on public.tenant_members to supabase_auth_admin;
create policy "auth admin reads memberships for the token hook" on public.tenant_members
  as permissive for select to supabase_auth_admin
  using (true);
