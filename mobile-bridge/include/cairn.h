/* cairn.h: the C ABI of Cairn's core, for the iOS and Android apps teachers carry into the
 * classroom (Swift imports it as the CairnCore module; Java reaches it through JNI).
 *
 * Conventions, the same for every function:
 * - Plain C11. Every function is noexcept: nothing is thrown across the ABI. A failure inside
 *   the core, an exception included, comes back as a code and a message.
 * - Functions that can fail return a cairn_code (CAIRN_OK is 0) and take a last argument
 *   `cairn_error** error`. When it is not NULL, it receives NULL on success and, on failure, an
 *   error the caller frees with cairn_error_free (NULL only when memory for it ran out; the
 *   code still says what happened). There is no thread-local "last error": apps move between
 *   threads (JNI, Swift concurrency), so the error travels with the call.
 * - Handles are opaque: made by an _open (or _begin) function, released by its _free, which
 *   accepts NULL.
 * - Inputs are borrowed for the call: text as pointer + length of UTF-8 (not NUL-terminated; a
 *   NULL pointer is allowed with length 0), never kept after the call returns. Text that is not
 *   UTF-8 is refused (CAIRN_INVALID_ARGUMENT, naming the argument and the byte).
 * - Outputs are buffers the library allocates and the caller frees with cairn_buffer_free.
 *   Structured data is protobuf bytes of the message each function names (schemas/cairn/v1/;
 *   lists in bridge.proto); ids are UTF-8 text ("0190f3c2-7a1b-7c3d-8e4f-0123456789ab").
 * - Codes are those of core/include/cairn/status_codes.def, with the same numbers as the C++
 *   codes; the numbers never change, and new codes are only added at the end. `retryable` in an
 *   error says whether the same call may succeed later (docs/protocol.md "Errors").
 *
 * Thread-safety: every function may be called from any thread. Calls on one store are
 * serialised on that store's lock (a long call, such as capturing a video, makes the others on
 * the same store wait); calls on different stores run concurrently. Callbacks run on the thread
 * of the call that takes them, before that call returns; they must not call back into the same
 * store.
 *
 * The ABI's version is CAIRN_ABI_VERSION; cairn_abi_version() says which one the library
 * implements. A change that breaks callers raises it. */
#ifndef CAIRN_H_
#define CAIRN_H_

/* A C header: typedefs, <stdint.h> and snake_case types are its contract, not C++ style. */
/* NOLINTBEGIN(modernize-*,readability-identifier-naming) */

#include <stddef.h>
#include <stdint.h>

#if defined(CAIRN_BUILDING_BRIDGE)
#define CAIRN_EXPORT __attribute__((visibility("default")))
#else
#define CAIRN_EXPORT
#endif

#ifdef __cplusplus
#define CAIRN_NOEXCEPT noexcept
extern "C" {
#else
#define CAIRN_NOEXCEPT
#endif

#define CAIRN_ABI_VERSION 1

/* CAIRN_OK, CAIRN_INVALID_ARGUMENT, ..., CAIRN_TOO_LARGE: one per row of the table. */
typedef enum cairn_code {
#define CAIRN_STATUS_CODE(number, Name, NAME, wire, http, retryable, retry_after, action) \
  CAIRN_##NAME = (number),
#include "cairn/status_codes.def"
  /* Not a code: makes every 32-bit value a valid cairn_code, so that a code from a newer
   * library (or a cast) is never undefined behaviour in C++ callers. */
  CAIRN_CODE_RANGE_ = 0x7fffffff
} cairn_code;

/* What went wrong. `message` is UTF-8, NUL-terminated, for the teacher (what, where, how to
 * fix it); it belongs to the error. */
typedef struct cairn_error {
  cairn_code code;
  int retryable; /* 1 when the same call may succeed later, else 0 */
  const char* message;
  size_t message_len; /* bytes before the NUL */
} cairn_error;

/* Frees an error; NULL is allowed. */
CAIRN_EXPORT void cairn_error_free(cairn_error* error) CAIRN_NOEXCEPT;

/* Bytes the library allocated. `data` is NULL when `len` is 0. */
typedef struct cairn_buffer {
  uint8_t* data;
  size_t len;
} cairn_buffer;

/* Frees the bytes and sets the buffer to {NULL, 0}; NULL and an empty buffer are allowed. */
CAIRN_EXPORT void cairn_buffer_free(cairn_buffer* buffer) CAIRN_NOEXCEPT;

/* The ABI version the library implements: CAIRN_ABI_VERSION of the header it was built with. */
CAIRN_EXPORT uint32_t cairn_abi_version(void) CAIRN_NOEXCEPT;

/* The code's wire name ("invalid_argument"), a static NUL-terminated string; "internal" for a
 * number outside the table. */
CAIRN_EXPORT const char* cairn_code_name(cairn_code code) CAIRN_NOEXCEPT;

/* ---- The store: one teacher's device store (the change log and the sealed evidence). ---- */

typedef struct cairn_store cairn_store;

/* Gives the 32-byte key that seals evidence at rest, kept by the platform (iOS Keychain,
 * Android Keystore): write exactly `key_len` bytes to `key` and return CAIRN_OK, or return
 * another code to fail the open with it. The same key must come back on every open of the
 * store. Called on the thread of cairn_store_open, before it returns. */
typedef cairn_code (*cairn_key_provider)(void* user_data, uint8_t* key, size_t key_len);

/* Opens the store in directory `dir` (made, mode 0700, if it does not exist): `dir`/device.db
 * and the evidence in `dir`/blobs. On success `*store` is the handle to pass to
 * cairn_store_free. */
CAIRN_EXPORT cairn_code cairn_store_open(const char* dir, size_t dir_len, cairn_key_provider keys,
                                         void* key_user_data, cairn_store** store,
                                         cairn_error** error) CAIRN_NOEXCEPT;

/* Closes the store's files; every later call on the handle fails with
 * CAIRN_FAILED_PRECONDITION. The handle itself stays valid until cairn_store_free, so an app
 * may close when it goes to the background while other objects still hold the handle. Closing
 * a closed store is OK. */
CAIRN_EXPORT cairn_code cairn_store_close(cairn_store* store, cairn_error** error) CAIRN_NOEXCEPT;

/* Closes (if open) and frees the handle; NULL is allowed. */
CAIRN_EXPORT void cairn_store_free(cairn_store* store) CAIRN_NOEXCEPT;

/* ---- The catalog the server published to this device (offline once synced). ---- */

/* The newest version of every micro-credential, by title: MicroCredentialList. */
CAIRN_EXPORT cairn_code cairn_catalog_list(cairn_store* store, cairn_buffer* out,
                                           cairn_error** error) CAIRN_NOEXCEPT;

/* One micro-credential by id (its newest version): MicroCredential. */
CAIRN_EXPORT cairn_code cairn_catalog_show(cairn_store* store, const char* id, size_t id_len,
                                           cairn_buffer* out, cairn_error** error) CAIRN_NOEXCEPT;

/* The micro-credentials in which every word of `query` occurs (title, summary, competency,
 * topics, stack), best match first: MicroCredentialList. */
CAIRN_EXPORT cairn_code cairn_catalog_search(cairn_store* store, const char* query,
                                             size_t query_len, cairn_buffer* out,
                                             cairn_error** error) CAIRN_NOEXCEPT;

/* ---- Pursuits: a teacher working towards one micro-credential. ---- */

/* Starts a pursuit of the newest version of micro-credential `id`: `*out` is the pursuit's id. */
CAIRN_EXPORT cairn_code cairn_pursuit_start(cairn_store* store, const char* id, size_t id_len,
                                            cairn_buffer* out, cairn_error** error) CAIRN_NOEXCEPT;

/* Every pursuit on this device: PursuitList. */
CAIRN_EXPORT cairn_code cairn_pursuit_list(cairn_store* store, cairn_buffer* out,
                                           cairn_error** error) CAIRN_NOEXCEPT;

/* Answers overview question `question` of the pursuit (replacing an earlier answer). */
CAIRN_EXPORT cairn_code cairn_pursuit_answer(cairn_store* store, const char* pursuit,
                                             size_t pursuit_len, const char* question,
                                             size_t question_len, const char* text, size_t text_len,
                                             cairn_error** error) CAIRN_NOEXCEPT;

/* Writes the pursuit's reflection (replacing an earlier one). */
CAIRN_EXPORT cairn_code cairn_pursuit_reflect(cairn_store* store, const char* pursuit,
                                              size_t pursuit_len, const char* text, size_t text_len,
                                              cairn_error** error) CAIRN_NOEXCEPT;

/* What keeps the pursuit from being submitted, in words for the teacher: CheckResult (no issues
 * when it can be submitted). */
CAIRN_EXPORT cairn_code cairn_pursuit_check(cairn_store* store, const char* pursuit,
                                            size_t pursuit_len, cairn_buffer* out,
                                            cairn_error** error) CAIRN_NOEXCEPT;

/* Freezes the pursuit into a submission, offline; the next sync sends it. Refused
 * (CAIRN_FAILED_PRECONDITION, every issue in the message) while cairn_pursuit_check finds
 * issues. `*out` is the submission's id. */
CAIRN_EXPORT cairn_code cairn_pursuit_submit(cairn_store* store, const char* pursuit,
                                             size_t pursuit_len, cairn_buffer* out,
                                             cairn_error** error) CAIRN_NOEXCEPT;

/* ---- Evidence: photos, video, audio, documents, sealed on the device. ---- */

/* Seals the file at `path` into the store (one pass: hashed, its type detected, encrypted,
 * fsynced) and records it as evidence for artifact `requirement` of the pursuit, with an
 * optional caption. The pursuit and requirement are checked before the file is read. `*out` is
 * the evidence item's id. */
CAIRN_EXPORT cairn_code cairn_evidence_capture_file(cairn_store* store, const char* pursuit,
                                                    size_t pursuit_len, const char* requirement,
                                                    size_t requirement_len, const char* path,
                                                    size_t path_len, const char* caption,
                                                    size_t caption_len, cairn_buffer* out,
                                                    cairn_error** error) CAIRN_NOEXCEPT;

/* A capture from a stream of bytes: a camera or recorder hands over what it has made while it
 * records. Memory stays at about two 64 KiB chunks however long the recording. Every call on a
 * capture takes its store's lock, like any call on the store. A capture may outlive its store's
 * handle: once the store is closed or freed, its calls fail with CAIRN_FAILED_PRECONDITION. A
 * capture freed unfinished is discarded and leaves nothing behind. */
typedef struct cairn_capture cairn_capture;

/* Starts capturing evidence for artifact `requirement` of the pursuit, with an optional
 * caption; the pursuit and requirement are checked first, before the recording starts. */
CAIRN_EXPORT cairn_code cairn_capture_begin(cairn_store* store, const char* pursuit,
                                            size_t pursuit_len, const char* requirement,
                                            size_t requirement_len, const char* caption,
                                            size_t caption_len, cairn_capture** capture,
                                            cairn_error** error) CAIRN_NOEXCEPT;

/* Appends the next `len` bytes (NULL allowed with 0). After a failure (a full disk) every later
 * call fails the same way. */
CAIRN_EXPORT cairn_code cairn_capture_write(cairn_capture* capture, const uint8_t* bytes,
                                            size_t len, cairn_error** error) CAIRN_NOEXCEPT;

/* Ends the capture: the evidence is sealed, fsynced and recorded; `*out` is the evidence item's
 * id. Only the first call can succeed; the capture must still be freed. */
CAIRN_EXPORT cairn_code cairn_capture_finish(cairn_capture* capture, cairn_buffer* out,
                                             cairn_error** error) CAIRN_NOEXCEPT;

/* Frees the capture, discarding it when unfinished; NULL is allowed. */
CAIRN_EXPORT void cairn_capture_free(cairn_capture* capture) CAIRN_NOEXCEPT;

/* The pursuit's evidence items: EvidenceList. */
CAIRN_EXPORT cairn_code cairn_evidence_list(cairn_store* store, const char* pursuit,
                                            size_t pursuit_len, cairn_buffer* out,
                                            cairn_error** error) CAIRN_NOEXCEPT;

/* ---- What the issuer sends back (after a sync). ---- */

/* The issuer's confirmed decisions on the pursuit's submissions, oldest first, each with its
 * feedback and a level and comment per rubric criterion: AssessmentList. */
CAIRN_EXPORT cairn_code cairn_pursuit_assessments(cairn_store* store, const char* pursuit,
                                                  size_t pursuit_len, cairn_buffer* out,
                                                  cairn_error** error) CAIRN_NOEXCEPT;

/* The Open Badges 3.0 credentials earned, newest issued first, revoked ones included:
 * CredentialList. */
CAIRN_EXPORT cairn_code cairn_credential_list(cairn_store* store, cairn_buffer* out,
                                              cairn_error** error) CAIRN_NOEXCEPT;

/* The credential `credential` (its id, a unique prefix of it, or its URL) as a file of `format`:
 * "json" (with its proof), "jws" (the VC-JWT), "pack" (a verification pack: the credential with
 * the issuer's keys and status list, for verifying offline), "png" or "svg" (the badge image
 * baked with the JSON, or with `jws` set, the VC-JWT). */
CAIRN_EXPORT cairn_code cairn_credential_export(cairn_store* store, const char* credential,
                                                size_t credential_len, const char* format,
                                                size_t format_len, int jws, cairn_buffer* out,
                                                cairn_error** error) CAIRN_NOEXCEPT;

/* Verifies a credential file offline (a pack, credential JSON, a VC-JWT, or a baked PNG or SVG;
 * `file_name` only names it in messages): Verdict. A bare credential is checked against the
 * issuer's keys this device received with the same credential; a pack against its own, or this
 * device's when it holds the same credential. `now_ms` is the time to judge dates at (0: now).
 * What is wrong with the credential is in the verdict; an error means it could not be read. */
CAIRN_EXPORT cairn_code cairn_credential_verify(cairn_store* store, const uint8_t* file,
                                                size_t file_len, const char* file_name,
                                                size_t file_name_len, int64_t now_ms,
                                                cairn_buffer* out,
                                                cairn_error** error) CAIRN_NOEXCEPT;

/* ---- Conflicts: free text edited on two devices at once. ---- */

/* Every unresolved conflict: ConflictList. */
CAIRN_EXPORT cairn_code cairn_conflict_list(cairn_store* store, cairn_buffer* out,
                                            cairn_error** error) CAIRN_NOEXCEPT;

/* Resolves the conflict on `field` of entity `entity` with `text` (one of the values, or a text
 * the teacher merged), which supersedes every concurrent value. */
CAIRN_EXPORT cairn_code cairn_conflict_resolve(cairn_store* store, const char* entity,
                                               size_t entity_len, const char* field,
                                               size_t field_len, const char* text, size_t text_len,
                                               cairn_error** error) CAIRN_NOEXCEPT;

/* ---- Sync: changes first, then the evidence they name. ---- */

/* A sync is one handle, driven in one of two ways (not both):
 * - step by step by the app's own HTTP stack (iOS background URLSession, Android WorkManager):
 *   cairn_sync_next says what to send (SyncStep), the app sends it and hands back the answer
 *   with cairn_sync_answer, or cairn_sync_fail when none came, and asks for the next step;
 * - whole by cairn_sync_run, with the built-in transport (HTTP/1.1 over TLS; desktops, tests).
 * A sync holds the store's lock only inside its calls, never while a request travels: the app
 * keeps using the store meanwhile. Failed requests are retried after waits of 250 ms doubling to
 * 8 s (WAIT steps); after 8 failures in a row the sync ends with CAIRN_UNAVAILABLE. Nothing is
 * lost by stopping at any point: every request is safe to repeat, and the next sync resumes. The
 * calls on one sync handle are serialised on its own lock; cairn_sync_pause and
 * cairn_sync_cancel take none. A sync handle may outlive its store's handle: its calls then fail
 * with CAIRN_FAILED_PRECONDITION. */
typedef struct cairn_sync cairn_sync;

/* Called whenever the sync's state changes or its progress moves, on the thread of the call
 * that drives it: `report` is a SyncReport (bridge.proto), borrowed for the call. It must not
 * call into the same sync or store, except cairn_sync_pause and cairn_sync_cancel. */
typedef void (*cairn_sync_observer)(void* user_data, const uint8_t* report, size_t report_len);

typedef struct cairn_sync_options {
  /* 1: the network is metered (mobile data); evidence files over 20 MiB wait. */
  int metered;
  /* 1: send large files on a metered network too. */
  int allow_large_on_metered;
  /* 1: request bodies of evidence go into a file in the store's directory, handed over as a
   * FileRange of up to 64 MiB (iOS background sessions upload files only); the file holds the
   * evidence unsealed until the next step replaces it or the sync is freed. 0: as bytes, at most
   * 4 MiB per request. The built-in transport streams bodies and ignores this. */
  int body_files;
  cairn_sync_observer observer; /* may be NULL */
  void* observer_data;
} cairn_sync_options;

/* A sync of an enrolled store. `options` may be NULL for the defaults (all 0). */
CAIRN_EXPORT cairn_code cairn_sync_begin(cairn_store* store, const cairn_sync_options* options,
                                         cairn_sync** sync, cairn_error** error) CAIRN_NOEXCEPT;

/* Enrols the store with the server at `server_url` ("https://host:port") using the one-time
 * `code` of `cairn-server enrol-code USER`, then syncs (the catalog comes down in the same
 * sync). `pin_sha256` is the hex SHA-256 of the server certificate to trust (empty: the
 * system's roots). Safe to run again when it fails: the server gives a retry the same device. */
CAIRN_EXPORT cairn_code cairn_enrol_begin(cairn_store* store, const char* server_url,
                                          size_t server_url_len, const char* pin_sha256,
                                          size_t pin_sha256_len, const char* code, size_t code_len,
                                          const char* device_name, size_t device_name_len,
                                          const cairn_sync_options* options, cairn_sync** sync,
                                          cairn_error** error) CAIRN_NOEXCEPT;

/* Fetches the file of evidence item `evidence` (captured on another of the teacher's devices,
 * known here through sync) from the server into this store, in ranged GETs (the SEND's Range
 * header; the answer's body is the range), each range made durable before the next: a fetch
 * stopped anywhere resumes after what it kept. Driven like a sync; done at once when the store
 * holds the file. The report's fetched_bytes and fetch_size say how far it is. */
CAIRN_EXPORT cairn_code cairn_evidence_fetch_begin(cairn_store* store, const char* evidence,
                                                   size_t evidence_len,
                                                   const cairn_sync_options* options,
                                                   cairn_sync** sync,
                                                   cairn_error** error) CAIRN_NOEXCEPT;

/* The next step into `*out`: a SyncStep. SEND: send its request, then call cairn_sync_answer or
 * cairn_sync_fail. WAIT: call again after wait_ms. DONE: the sync has ended and the function
 * returns how (CAIRN_OK; CAIRN_UNAVAILABLE when the server stayed unreachable; CAIRN_ABORTED
 * when paused or cancelled; another code for a refusal), `*out` still filled. Asked for while a
 * SEND waits for its answer, it counts that request as failed (as cairn_sync_fail). */
CAIRN_EXPORT cairn_code cairn_sync_next(cairn_sync* sync, cairn_buffer* out,
                                        cairn_error** error) CAIRN_NOEXCEPT;

/* The answer to the last SEND: an HttpAnswer. Refused (CAIRN_FAILED_PRECONDITION) when no SEND
 * is waiting for one; an answer that is not an HttpAnswer is CAIRN_INVALID_ARGUMENT. */
CAIRN_EXPORT cairn_code cairn_sync_answer(cairn_sync* sync, const uint8_t* answer,
                                          size_t answer_len, cairn_error** error) CAIRN_NOEXCEPT;

/* The last SEND got no answer (no network, a timeout, a cut connection): `message` says what
 * the HTTP stack reported. The request is retried after a WAIT. */
CAIRN_EXPORT cairn_code cairn_sync_fail(cairn_sync* sync, const char* message, size_t message_len,
                                        cairn_error** error) CAIRN_NOEXCEPT;

/* Runs the whole sync with the built-in transport and returns how it ended (as DONE does).
 * Blocks; waits between retries sleep on this thread and end early on pause or cancel. */
CAIRN_EXPORT cairn_code cairn_sync_run(cairn_sync* sync, cairn_error** error) CAIRN_NOEXCEPT;

/* Where the sync stands: a SyncReport. During cairn_sync_run it waits for the request in
 * flight; the observer sees progress live. */
CAIRN_EXPORT cairn_code cairn_sync_report(cairn_sync* sync, cairn_buffer* out,
                                          cairn_error** error) CAIRN_NOEXCEPT;

/* Asks the sync to stop, from any thread, at any time: at the next step, or inside a streamed
 * evidence body at the next 1 MiB (what the server verified is kept). The sync then ends with
 * CAIRN_ABORTED, saying "paused" or "cancelled"; a later sync resumes. NULL is allowed. */
CAIRN_EXPORT void cairn_sync_pause(cairn_sync* sync) CAIRN_NOEXCEPT;
CAIRN_EXPORT void cairn_sync_cancel(cairn_sync* sync) CAIRN_NOEXCEPT;

/* Frees the sync (and its body file); NULL is allowed. Not while another thread is inside one of
 * its calls. */
CAIRN_EXPORT void cairn_sync_free(cairn_sync* sync) CAIRN_NOEXCEPT;

#ifdef __cplusplus
} /* extern "C" */
#endif

/* NOLINTEND(modernize-*,readability-identifier-naming) */

#endif /* CAIRN_H_ */
