// Every operation of the domain through openapi-fetch, typed by the served document
// (api.d.ts, from generate.mjs): tsc refuses a call the document does not describe.
// `node out/drive.js '{"api": ..., "owner": ..., "tenant": ..., "guest": ..., "guestEmail": ...}'`
// prints the calls made, [method, path, status], as JSON; a wrong answer throws.
import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./api.js";

interface Scenario {
  api: string;
  owner: string;
  tenant: string;
  guest: string;
  guestEmail: string;
  service: string;
}

const scenario = JSON.parse(process.argv[2] ?? "") as Scenario;
const seen: [string, string, number][] = [];
const record: Middleware = {
  onResponse({ request, schemaPath, response }) {
    seen.push([request.method.toLowerCase(), schemaPath, response.status]);
  },
};

function client(token?: string, tenant?: string) {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (tenant) headers["X-Tenant-ID"] = tenant;
  const made = createClient<paths>({ baseUrl: scenario.api, headers });
  made.use(record);
  return made;
}

function expect<T>(result: { data?: T; error?: unknown; response: Response }, status: number): T {
  if (result.response.status !== status) {
    const error = JSON.stringify(result.error);
    throw new Error(`${result.response.url}: ${result.response.status}, not ${status}: ${error}`);
  }
  return result.data as T;
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

// An upload's fields as multipart/form-data (openapi-fetch sends JSON otherwise).
function multipart(body: Record<string, Blob | Blob[]>): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(body)) {
    for (const blob of [value].flat()) form.append(name, blob);
  }
  return form;
}

function text(name: string, content: string): File {
  return new File([content], name, { type: "text/plain" });
}

async function put(url: string, body: string, headers: Record<string, string> = {}) {
  const answer = await fetch(url, { method: "PUT", body, headers });
  check(answer.ok, `PUT of a part: ${answer.status} ${await answer.text()}`);
  return answer.headers.get("ETag") ?? "";
}

async function post(url: string, fields: Record<string, string>, content: string) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append("file", new Blob([content]));
  const answer = await fetch(url, { method: "POST", body: form });
  check(answer.ok, `POST to storage: ${answer.status} ${await answer.text()}`);
}

const anyone = client();
const owner = client(scenario.owner, scenario.tenant);
const guest = client(scenario.guest);
const service = client(scenario.service);

// -- the core: tenants, members, invitations --
check(expect(await anyone.GET("/health"), 200).status === "ok", "health");
check(expect(await anyone.GET("/ready"), 200).status === "ready", "ready");
const me = expect(await owner.GET("/me"), 200);
const tenant = expect(await owner.POST("/tenants", { body: { name: "Made by fetch" } }), 201);
const tenantId = { path: { tenant_id: tenant.id } };
const tenants = expect(await owner.GET("/tenants"), 200).tenants;
check(tenants.some((t) => t.id === tenant.id), "list_tenants");
check(expect(await owner.GET("/tenants/{tenant_id}", { params: tenantId }), 200).name === "Made by fetch", "get_tenant");
const renamed = await owner.PATCH("/tenants/{tenant_id}", { params: tenantId, body: { name: "R" } });
check(expect(renamed, 200).name === "R", "rename_tenant");
// A tenant deleted by name, seen among the deleted, restored within its grace period.
const doomed = expect(await owner.POST("/tenants", { body: { name: "Doomed" } }), 201);
const doomedId = { path: { tenant_id: doomed.id } };
const gone = await owner.DELETE("/tenants/{tenant_id}", { params: { ...doomedId, query: { confirm: "Doomed" } } });
check(expect(gone, 202).purge_after > expect(gone, 202).deleted_at, "delete_tenant");
const deletedTenants = expect(await owner.GET("/tenants/deleted"), 200).tenants;
check(deletedTenants.some((t) => t.id === doomed.id), "list_deleted_tenants");
const back = await owner.POST("/tenants/{tenant_id}/restore", { params: doomedId });
check(back.response.status === 204, "restore_tenant");
const limits = { max_bytes: 1_000_000_000, max_objects: null };
expect(await service.PUT("/tenants/{tenant_id}/quota", { params: tenantId, body: limits }), 200);
const quota = expect(await owner.GET("/tenants/{tenant_id}/quota", { params: tenantId }), 200);
check(quota.max_bytes === 1_000_000_000, "get_tenant_quota");

async function invite() {
  const body = { email: scenario.guestEmail };
  return expect(await owner.POST("/tenants/{tenant_id}/invitations", { params: tenantId, body }), 201);
}

const invitation = await invite();
// Mailed when made: asking again within the minute is a problem, parsed.
const resendPath = { path: { tenant_id: tenant.id, invitation_id: invitation.id } };
const resent = await owner.POST("/tenants/{tenant_id}/invitations/{invitation_id}/resend", { params: resendPath });
check(resent.response.status === 429 && resent.error?.code === "resend_too_soon", "resend_invitation");
const sent = expect(await owner.GET("/tenants/{tenant_id}/invitations", { params: tenantId }), 200);
check(sent.invitations.map((i) => i.id).join() === invitation.id, "list_invitations");
const received = expect(await guest.GET("/invitations"), 200).invitations;
check(received.map((i) => i.tenant_name).join() === "R", "list_received_invitations");
const byId = (id: string) => ({ params: { path: { invitation_id: id } } });
expect(await guest.POST("/invitations/{invitation_id}/accept", byId(invitation.id)), 200);
const members = expect(await owner.GET("/tenants/{tenant_id}/members", { params: tenantId }), 200).members;
const joined = members.find((m) => m.user_id !== me.user_id);
check(joined !== undefined, "list_members");
const member = { path: { tenant_id: tenant.id, user_id: joined?.user_id ?? "" } };
const promoted = await owner.PATCH("/tenants/{tenant_id}/members/{user_id}", { params: member, body: { role: "admin" } });
check(expect(promoted, 200).role === "admin", "change_member_role");
expect(await owner.DELETE("/tenants/{tenant_id}/members/{user_id}", { params: member }), 204);
const revoked = { path: { tenant_id: tenant.id, invitation_id: (await invite()).id } };
expect(await owner.DELETE("/tenants/{tenant_id}/invitations/{invitation_id}", { params: revoked }), 204);
expect(await guest.POST("/invitations/{invitation_id}/decline", byId((await invite()).id)), 204);
const removals = { path: tenantId.path, query: { action: "member_removed" } };
const trail = expect(await owner.GET("/tenants/{tenant_id}/audit", { params: removals }), 200).items;
check(trail.map((event) => event.actor).join() === me.user_id, "list_audit_events");

// -- webhooks: an endpoint on loopback (make dev allows it), a test event, its log --
const hookBody = { url: "http://127.0.0.1:9/hooks", event_types: ["member.joined" as const] };
const hook = expect(await owner.POST("/tenants/{tenant_id}/webhooks", { params: tenantId, body: hookBody }), 201);
check(hook.secret.startsWith("whsec_"), "create_webhook_endpoint");
const hookId = { path: { tenant_id: tenant.id, endpoint_id: hook.id } };
const hooks = expect(await owner.GET("/tenants/{tenant_id}/webhooks", { params: tenantId }), 200).endpoints;
check(hooks.map((h) => h.id).join() === hook.id, "list_webhook_endpoints");
check(expect(await owner.GET("/tenants/{tenant_id}/webhooks/{endpoint_id}", { params: hookId }), 200).url === hookBody.url, "get_webhook_endpoint");
const described = await owner.PATCH("/tenants/{tenant_id}/webhooks/{endpoint_id}", { params: hookId, body: { description: "CRM" } });
check(expect(described, 200).description === "CRM", "update_webhook_endpoint");
const rotated = await owner.POST("/tenants/{tenant_id}/webhooks/{endpoint_id}/rotate-secret", { params: hookId });
check(expect(rotated, 200).secret.startsWith("whsec_"), "rotate_webhook_secret");
const queued = expect(await owner.POST("/tenants/{tenant_id}/webhooks/{endpoint_id}/test", { params: hookId }), 202);
const log = expect(await owner.GET("/tenants/{tenant_id}/webhooks/{endpoint_id}/deliveries", { params: hookId }), 200);
check(log.items.map((d) => d.webhook_id).join() === queued.webhook_id, "list_webhook_deliveries");
const deliveryId = { path: { ...hookId.path, delivery_id: log.items[0]?.id ?? "" } };
const shown = await owner.GET("/tenants/{tenant_id}/webhooks/{endpoint_id}/deliveries/{delivery_id}", { params: deliveryId });
check(expect(shown, 200).event_type === "webhook.test", "get_webhook_delivery");
const redelivered = await owner.POST("/tenants/{tenant_id}/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver", { params: deliveryId });
check(expect(redelivered, 202).status === "pending", "redeliver_webhook_delivery");
expect(await owner.DELETE("/tenants/{tenant_id}/webhooks/{endpoint_id}", { params: hookId }), 204);

// -- exports: asked for and polled --
const exported = expect(await owner.POST("/tenants/{tenant_id}/exports", { params: tenantId }), 202);
check(exported.state === "queued", "create_tenant_export");
const exportList = expect(await owner.GET("/tenants/{tenant_id}/exports", { params: tenantId }), 200).exports;
check(exportList.map((e) => e.id).join() === exported.id, "list_tenant_exports");
const exportId = { path: { tenant_id: tenant.id, export_id: exported.id } };
check(expect(await owner.GET("/tenants/{tenant_id}/exports/{export_id}", { params: exportId }), 200).id === exported.id, "get_tenant_export");

// -- files: uploads and downloads through the API --
check(expect(await anyone.GET("/files/health"), 200).status === "ok", "files_health");
const docs = { query: { folder: "docs" } };
const hello = "Hello from openapi-fetch";
const one = await owner.POST("/files/upload", { params: docs, body: { file: text("hello.txt", hello) }, bodySerializer: multipart });
check(expect(one, 201).path === "docs/hello.txt", "upload_file");
const files = [text("a.txt", "a"), text("b.txt", "bb")];
const several = await owner.POST("/files/upload-multiple", { params: docs, body: { files }, bodySerializer: multipart });
check(expect(several, 201).uploaded.length === 2, "upload_multiple_files");
const listing = expect(await owner.GET("/files/list", { params: docs }), 200);
check(listing.files.map((f) => f.name).sort().join() === "a.txt,b.txt,hello.txt", "list_files");
const at = (path: string) => ({ params: { path: { path } } });
const downloaded = expect(await owner.GET("/files/download/{path}", { ...at("docs/hello.txt"), parseAs: "arrayBuffer" }), 200);
check(new TextDecoder().decode(downloaded) === hello, "download_file");
check(expect(await owner.GET("/files/metadata/{path}", at("docs/a.txt")), 200).size === 1, "get_metadata");
const usage = expect(await owner.GET("/files/usage"), 200);
check(usage.all_versions.size >= usage.current.size, "get_usage");
const copied = await owner.POST("/files/copy", { body: { source: "docs/a.txt", destination: "docs/c.txt" } });
check(expect(copied, 201).path === "docs/c.txt", "copy_file");
const moved = await owner.POST("/files/move", { body: { source: "docs/c.txt", destination: "docs/d.txt" } });
check(expect(moved, 200).path === "docs/d.txt", "move_file");
const deleted = await owner.POST("/files/delete-multiple", { body: { paths: ["docs/d.txt"] } });
check(expect(deleted, 200).deleted.join() === "docs/d.txt", "delete_multiple_files");
expect(await owner.DELETE("/files/delete/{path}", at("docs/b.txt")), 204);
expect(await owner.POST("/files/delete-exact", { body: { path: "docs/a.txt" } }), 204);
expect(await owner.POST("/files/folder/create", { body: { path: "empty" } }), 201);
const folder = await owner.DELETE("/files/folder/delete", { params: { query: { path: "empty" } } });
check(expect(folder, 200).deleted_count === 1, "delete_folder");

// -- presigned transfers straight to and from storage --
const link = expect(await owner.GET("/files/presigned-url/{path}", at("docs/hello.txt")), 200);
check((await (await fetch(link.url)).text()) === hello, "get_presigned_url");
const direct = await owner.POST("/files/presigned-upload", { params: { query: { file_path: "direct/d.bin" } } });
const form = expect(direct, 200);
await post(form.url, form.fields, "d");

// -- versions and the trash --
const again = { query: { folder: "docs", overwrite: true } };
expect(await owner.POST("/files/upload", { params: again, body: { file: text("hello.txt", "Second") }, bodySerializer: multipart }), 201);
const versions = expect(await owner.GET("/files/versions/{path}", at("docs/hello.txt")), 200).versions;
const oldest = versions[versions.length - 1]?.version_id ?? "";
expect(await owner.POST("/files/versions/restore", { body: { path: "docs/hello.txt", version_id: oldest } }), 201);
const thaw = await owner.POST("/files/thaw", { body: { path: "docs/hello.txt" } });
check(thaw.response.status === 409 && thaw.error?.code === "file_not_archived", "thaw_file");
const helloPath = { body: { path: "docs/hello.txt" } };
expect(await owner.DELETE("/files/delete/{path}", at("docs/hello.txt")), 204);
const trash = expect(await owner.GET("/files/trash", { params: docs }), 200);
check(trash.files.some((f) => f.path === "docs/hello.txt"), "list_trash");
expect(await owner.POST("/files/trash/restore", helloPath), 200);
expect(await owner.DELETE("/files/delete/{path}", at("docs/hello.txt")), 204);
check(expect(await owner.POST("/files/trash/purge", helloPath), 200).purged_files === 1, "purge_trash_file");
expect(await owner.DELETE("/files/delete/{path}", at("direct/d.bin")), 204);
const restored = await owner.POST("/files/trash/restore-folder", { body: { folder: "direct" } });
check(expect(restored, 200).restored_count === 1, "restore_trash_folder");
expect(await owner.DELETE("/files/delete/{path}", at("direct/d.bin")), 204);
const purged = await owner.POST("/files/trash/purge-folder", { body: { path: "direct" } });
check(expect(purged, 200).purged_files === 1, "purge_trash_folder");

// -- multipart: parts PUT to signed URLs --
const data = "parts".repeat(1000); // ASCII: its length is its size in bytes
const created = expect(await owner.POST("/files/multipart", { body: { path: "m.bin", size: data.length } }), 201);
const unfinished = expect(await owner.GET("/files/multipart"), 200).uploads;
check(unfinished.map((u) => u.path).join() === "m.bin", "list_multipart");
const upload = { path: { upload_id: created.upload_id } };
const signed = expect(await owner.POST("/files/multipart/{upload_id}/sign", { params: upload, body: { parts: [{ part_number: 1 }] } }), 200);
const part = signed.parts[0];
const etag = await put(part?.url ?? "", data, part?.headers);
const parts = expect(await owner.GET("/files/multipart/{upload_id}/parts", { params: upload }), 200);
check(parts.uploaded_bytes === data.length, "list_multipart_parts");
const done = await owner.POST("/files/multipart/{upload_id}/complete", { params: upload, body: { parts: [{ part_number: 1, etag }] } });
check(expect(done, 201).size === data.length, "complete_multipart");
const dropped = expect(await owner.POST("/files/multipart", { body: { path: "n.bin", size: 1 } }), 201);
expect(await owner.DELETE("/files/multipart/{upload_id}", { params: { path: { upload_id: dropped.upload_id } } }), 204);
// Every user's unfinished uploads, as an owner sees and aborts them.
expect(await owner.POST("/files/multipart", { body: { path: "o.bin", size: 1 } }), 201);
const everyones = expect(await owner.GET("/files/unfinished-uploads"), 200).uploads;
check(everyones.map((u) => u.path).join() === "o.bin", "list_unfinished_uploads");
expect(await owner.DELETE("/files/unfinished-uploads/{upload_id}", { params: { path: { upload_id: everyones[0]?.upload_id ?? "" } } }), 204);
check(expect(await owner.GET("/files/multipart"), 200).uploads.length === 0, "abort_unfinished_upload");

// -- an upload session, as Uppy's @uppy/aws-s3 uses it (no bearer token) --
const opened = expect(await owner.POST("/files/upload-sessions", { body: { folder: "uppy" } }), 201);
const session = opened.companion_endpoint.replace(/\/$/, "").split("/").pop() ?? "";
const params = expect(await anyone.GET("/files/upload-sessions/{session}/s3/params", { params: { path: { session }, query: { filename: "s.txt" } } }), 200);
await post(params.url, params.fields, "s");

async function start(filename: string) {
  const answer = await anyone.POST("/files/upload-sessions/{session}/s3/multipart", { params: { path: { session } }, body: { filename } });
  const started = expect(answer, 200);
  return { path: { session, upload_id: started.uploadId }, query: { key: started.key } };
}

const big = await start("big.bin");
const url = expect(await anyone.GET("/files/upload-sessions/{session}/s3/multipart/{upload_id}/{part_number}", { params: { path: { ...big.path, part_number: 1 }, query: big.query } }), 200).url;
const ETag = await put(url, data);
const listed = expect(await anyone.GET("/files/upload-sessions/{session}/s3/multipart/{upload_id}", { params: big }), 200);
check(listed.map((p) => p.Size).join() === String(data.length), "list_upload_session_s3_multipart_parts");
const completed = await anyone.POST("/files/upload-sessions/{session}/s3/multipart/{upload_id}/complete", { params: big, body: { parts: [{ PartNumber: 1, ETag }] } });
check(expect(completed, 200).key === "uppy/big.bin", "complete_upload_session_s3_multipart");
expect(await anyone.DELETE("/files/upload-sessions/{session}/s3/multipart/{upload_id}", { params: await start("other.bin") }), 200);

// -- a share link: managed by its creator, opened by anyone holding its URL (no bearer token) --
{
  const sharedText = "Shared through a link";
  const sharedFolder = { query: { folder: "shared" } };
  expect(await owner.POST("/files/upload", { params: sharedFolder, body: { file: text("s.txt", sharedText) }, bodySerializer: multipart }), 201);
  const share = expect(await owner.POST("/files/shares", { body: { path: "shared", kind: "folder", lists_contents: true, password: "correct horse" } }), 201);
  const token = share.url.split("/").pop() ?? "";
  check(expect(await owner.GET("/files/shares"), 200).shares.some((s) => s.id === share.id), "list_shares");
  const shareId = { params: { path: { share_id: share.id } } };
  check(expect(await owner.GET("/files/shares/{share_id}", shareId), 200).kind === "folder", "get_share");
  const later = new Date(Date.now() + 86_400_000).toISOString();
  check(expect(await owner.PATCH("/files/shares/{share_id}", { ...shareId, body: { expires_at: later } }), 200).state === "active", "update_share");
  const byToken = { params: { path: { token } } };
  check(expect(await anyone.GET("/files/public/shares/{token}", byToken), 200).password_required, "get_public_share");
  const grant = expect(await anyone.POST("/files/public/shares/{token}/unlock", { ...byToken, body: { password: "correct horse" } }), 200).grant;
  const granted = { params: { path: { token }, header: { "x-link-grant": grant } } };
  const shared = expect(await anyone.GET("/files/public/shares/{token}/files", granted), 200);
  check(shared.files.map((f) => f.path).join() === "s.txt", "list_public_share_files");
  // A file just written is being checked for malware: a link's recipient waits as told (issue 28).
  const download = () => anyone.POST("/files/public/shares/{token}/downloads", { ...granted, body: { path: "s.txt" } });
  let answered = await download();
  for (let tries = 0; answered.response.status === 409 && tries < 10; tries++) {
    await new Promise((done) => setTimeout(done, Number(answered.response.headers.get("retry-after") ?? "1") * 1000));
    answered = await download();
  }
  const got = expect(answered, 200);
  check((await (await fetch(got.url)).text()) === sharedText, "create_public_share_download");
  // fetch follows the 307 to the presigned GET: the file's bytes, not JSON.
  const followed = await anyone.GET("/files/public/shares/{token}/download", { params: { ...granted.params, query: { path: "s.txt" } }, parseAs: "text" });
  check(expect(followed, 200) === sharedText, "download_public_share");
  expect(await owner.DELETE("/files/shares/{share_id}", shareId), 204);
}
// -- a folder archive: asked for, listed, polled (the job function makes it) --
{
  const archive = expect(await owner.POST("/files/archives", { body: { folder: "shared/" } }), 202);
  check(archive.name === "shared.zip", "create_archive");
  check(expect(await owner.GET("/files/archives"), 200).archives.some((a) => a.id === archive.id), "list_archives");
  const polled = expect(await owner.GET("/files/archives/{archive_id}", { params: { path: { archive_id: archive.id } } }), 200);
  check(["queued", "running", "succeeded"].includes(polled.state), "get_archive");
}
// -- a file request: the requester's calls, then an uploader's (no account, a password) --
{
  const request = expect(await owner.POST("/files/requests", { body: { title: "Invoices", folder: "inbox", password: "open sesame" } }), 201);
  const request_id = request.request_id;
  const token = request.url.split("/").pop() ?? "";
  check(expect(await owner.GET("/files/requests"), 200).requests.some((r) => r.request_id === request_id), "list_file_requests");
  check(expect(await owner.GET("/files/requests/{request_id}", { params: { path: { request_id } } }), 200).password_required, "get_file_request");
  check(expect(await anyone.GET("/files/public/requests/{token}", { params: { path: { token } } }), 200).title === "Invoices", "get_public_file_request");
  const grant = expect(await anyone.POST("/files/public/requests/{token}/unlock", { params: { path: { token } }, body: { password: "open sesame" } }), 200).grant;
  const granted = { "X-Link-Grant": grant };
  async function send(filename: string) {
    const answer = await anyone.POST("/files/public/requests/{token}/s3/multipart", { params: { path: { token }, header: granted }, body: { filename } });
    return { path: { token, upload_id: expect(answer, 200).uploadId }, header: granted };
  }
  const invoice = await send("invoice.pdf");
  const partUrl = expect(await anyone.GET("/files/public/requests/{token}/s3/multipart/{upload_id}/{part_number}", { params: { ...invoice, path: { ...invoice.path, part_number: 1 } } }), 200).url;
  const sentTag = await put(partUrl, data);
  check(expect(await anyone.GET("/files/public/requests/{token}/s3/multipart/{upload_id}", { params: invoice }), 200).length === 1, "list_public_request_s3_multipart_parts");
  const submitted = await anyone.POST("/files/public/requests/{token}/s3/multipart/{upload_id}/complete", { params: invoice, body: { parts: [{ PartNumber: 1, ETag: sentTag }] } });
  check(expect(submitted, 200).key === "invoice.pdf", "complete_public_request_s3_multipart");
  expect(await anyone.DELETE("/files/public/requests/{token}/s3/multipart/{upload_id}", { params: await send("other.pdf") }), 200);
  const submissions = expect(await owner.GET("/files/requests/{request_id}/submissions", { params: { path: { request_id } } }), 200).submissions;
  check(submissions.some((s) => s.path === "inbox/invoice.pdf" && s.state === "completed"), "list_file_request_submissions");
  check(expect(await owner.POST("/files/requests/{request_id}/close", { params: { path: { request_id } } }), 200).state === "closed", "close_file_request");
}

process.stdout.write(JSON.stringify(seen));
