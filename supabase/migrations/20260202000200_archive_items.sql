-- Folder archives (issue 30): one row per item of an archive job, written by
-- the job function (`jobs/archives.py`, `jobs/zipstream.py`).
--
-- The items are pinned on the job's first step (the versions current then),
-- so that later steps never list again; as each item is written, its row
-- gets what the ZIP's central directory needs (offset, method, sizes,
-- CRC-32) and its SHA-256 (the export's manifest). A central directory of
-- 100,000 items is several MiB: rows, not one jsonb checkpoint rewritten at
-- every save. A row with `skipped` set was left out (its version vanished
-- before it was read). Trailer entries (the export's manifest) have no key.
-- Never shown to anyone; deleted with the job.

create table private.job_items (
  job_id uuid not null references public.jobs (id) on delete cascade,
  seq integer not null check (seq >= 0),
  name text not null,
  key text,
  version_id text,
  size bigint not null check (size >= 0),
  compressed bigint,
  crc32 bigint,
  sha256 text check (sha256 ~ '^[0-9a-f]{64}$'),
  "offset" bigint,
  method smallint check (method in (0, 8)),
  skipped text check (char_length(skipped) <= 100),
  primary key (job_id, seq)
);
revoke all on private.job_items from public, anon, authenticated;
grant select, insert, update, delete on private.job_items to service_role;
