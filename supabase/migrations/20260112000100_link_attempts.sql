-- Attempts at public links (issue 27): share links and file requests are
-- reached with no account, so guessing a password or a token is limited by
-- counting attempts in fixed windows, per link and per client address
-- (file_lambda/public_links.py). Every Lambda environment counts in the same
-- table. Subjects are SHA-256 hashes: no token or address is kept in clear.
-- Windows older than a day are cleared now and then by the counting itself.

create table public.link_attempts (
  scope text not null check (char_length(scope) between 1 and 64),
  subject text not null check (char_length(subject) = 64),
  window_start timestamptz not null,
  attempts integer not null check (attempts > 0),
  primary key (scope, subject, window_start)
);
create index link_attempts_window_idx on public.link_attempts (window_start);

alter table public.link_attempts enable row level security;
-- No policy: `anon` and `authenticated` see nothing, even if granted.
revoke all on public.link_attempts from anon, authenticated;
grant all on public.link_attempts to service_role;
