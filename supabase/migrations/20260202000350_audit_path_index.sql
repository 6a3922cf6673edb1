-- Who wrote each file, for a tenant's export (issue 30, jobs/export_documents.py):
-- the last successful write naming the path in the audit trail. Without an
-- index the export's manifest scanned the tenant's whole trail once per file
-- (measured: 2,000 files over 200,000 audit rows took 173 s); with it, a few
-- index pages a file. Partial: only the rows that can answer (a user's
-- successful writes naming a path), so the bucket's own rows (no actor) and
-- refusals add nothing to it.
create index audit_events_tenant_path_idx
  on public.audit_events (tenant_id, path, occurred_at desc, id desc)
  where actor is not null and outcome = 'succeeded' and path is not null;
