/* The C ABI (mobile-bridge/include/cairn.h), compiled as C11 and linked against libcairn.so as
 * an app links it: the teacher's flow from opening a store to a submission, and every error
 * path of every function — a NULL handle or argument, a closed store, text that is not UTF-8,
 * a NULL output, a key provider that fails, ids and files that do not exist — each a code, a
 * retryable flag and a message, never a crash or a leak (the ASan build runs this too).
 *
 * Usage: cairn_bridge_c_test STORE_DIR WORK_DIR
 *   STORE_DIR  a device store holding the demo catalog (bridge_test.sh makes it with the CLI)
 *   WORK_DIR   an empty directory for files to capture and stores to make */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"

static int failures = 0;

#define CHECK(condition)                                                            \
  do {                                                                              \
    if (!(condition)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #condition); \
      ++failures;                                                                   \
    }                                                                               \
  } while (0)

/* Text arguments as pointer + length. */
#define TEXT(literal) (literal), (sizeof(literal) - 1)

static const uint8_t kKey[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static int key_calls = 0;

static cairn_code GoodKeys(void* user_data, uint8_t* key, size_t key_len) {
  CHECK(user_data == &key_calls);
  CHECK(key_len == sizeof kKey);
  ++key_calls;
  memcpy(key, kKey, sizeof kKey);
  return CAIRN_OK;
}

static cairn_code LockedKeys(void* user_data, uint8_t* key, size_t key_len) {
  (void)user_data;
  (void)key;
  (void)key_len;
  return CAIRN_PERMISSION_DENIED; /* the Keychain is locked before first unlock */
}

/* Expects `code` with an error of the same code, `retryable`, and a message containing `part`;
 * frees the error. */
static void ExpectError(cairn_code code, cairn_error* error, cairn_code expected, int retryable,
                        const char* part, int line) {
  if (code != expected || error == NULL) {
    fprintf(stderr, "bridge_test.c:%d: expected %s, got %s (%s)\n", line, cairn_code_name(expected),
            cairn_code_name(code), error != NULL ? error->message : "no error");
    ++failures;
  } else {
    if (error->code != expected || error->retryable != retryable) {
      fprintf(stderr, "bridge_test.c:%d: error says %s retryable=%d\n", line,
              cairn_code_name(error->code), error->retryable);
      ++failures;
    }
    if (strstr(error->message, part) == NULL || strlen(error->message) != error->message_len) {
      fprintf(stderr, "bridge_test.c:%d: message '%s' lacks '%s'\n", line, error->message, part);
      ++failures;
    }
  }
  cairn_error_free(error);
}
#define EXPECT_ERROR(call, expected, retryable, part)                \
  do {                                                               \
    cairn_error* error_ = NULL;                                      \
    cairn_code code_ = (call);                                       \
    ExpectError(code_, error_, expected, retryable, part, __LINE__); \
  } while (0)
/* `call` must use `&error_` as its error argument. */

/* Expects success and frees nothing. */
static void ExpectOk(cairn_code code, cairn_error* error, int line) {
  if (code != CAIRN_OK || error != NULL) {
    fprintf(stderr, "bridge_test.c:%d: expected ok, got %s: %s\n", line, cairn_code_name(code),
            error != NULL ? error->message : "(no error)");
    ++failures;
    cairn_error_free(error);
  }
}
#define EXPECT_OK(call)                \
  do {                                 \
    cairn_error* error_ = NULL;        \
    cairn_code code_ = (call);         \
    ExpectOk(code_, error_, __LINE__); \
  } while (0)

static int Contains(const cairn_buffer* buffer, const char* text) {
  const size_t n = strlen(text);
  if (buffer->len < n) return 0;
  for (size_t i = 0; i + n <= buffer->len; ++i) {
    if (memcmp(buffer->data + i, text, n) == 0) return 1;
  }
  return 0;
}

static void WriteFile(const char* path, const void* bytes, size_t len) {
  FILE* f = fopen(path, "wb");
  CHECK(f != NULL);
  if (f == NULL) return;
  CHECK(fwrite(bytes, 1, len, f) == len);
  fclose(f);
}

static void TheTableIsTheAbisCodes(void) {
  CHECK(cairn_abi_version() == CAIRN_ABI_VERSION);
  CHECK(CAIRN_OK == 0);
  CHECK(CAIRN_INVALID_ARGUMENT == 1);
  CHECK(CAIRN_RESOURCE_EXHAUSTED == 9);
  CHECK(CAIRN_UNAVAILABLE == 10);
  CHECK(CAIRN_TOO_LARGE == 13);
  CHECK(strcmp(cairn_code_name(CAIRN_TOO_LARGE), "too_large") == 0);
  CHECK(strcmp(cairn_code_name(CAIRN_FAILED_PRECONDITION), "failed_precondition") == 0);
  CHECK(strcmp(cairn_code_name((cairn_code)999), "internal") == 0);
  /* Freeing nothing is allowed. */
  cairn_error_free(NULL);
  cairn_buffer_free(NULL);
  cairn_buffer empty = {NULL, 0};
  cairn_buffer_free(&empty);
  cairn_store_free(NULL);
}

static void OpeningRefusesWhatCannotWork(const char* work) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/refused", work);
  cairn_store* store = (cairn_store*)&key_calls; /* overwritten with NULL on failure */
  EXPECT_ERROR(cairn_store_open(dir, strlen(dir), NULL, NULL, &store, &error_),
               CAIRN_INVALID_ARGUMENT, 0, "key provider is NULL");
  CHECK(store == NULL);
  EXPECT_ERROR(cairn_store_open(dir, strlen(dir), GoodKeys, &key_calls, NULL, &error_),
               CAIRN_INVALID_ARGUMENT, 0, "store output is NULL");
  EXPECT_ERROR(cairn_store_open(NULL, 5, GoodKeys, &key_calls, &store, &error_),
               CAIRN_INVALID_ARGUMENT, 0, "'dir' is NULL with a length of 5");
  EXPECT_ERROR(cairn_store_open(TEXT("/tmp/\xff\xfe"), GoodKeys, &key_calls, &store, &error_),
               CAIRN_INVALID_ARGUMENT, 0, "'dir' is not UTF-8 (byte 5 of 7");
  EXPECT_ERROR(cairn_store_open(TEXT(""), GoodKeys, &key_calls, &store, &error_),
               CAIRN_INVALID_ARGUMENT, 0, "'dir' is empty");
  EXPECT_ERROR(cairn_store_open(dir, strlen(dir), LockedKeys, NULL, &store, &error_),
               CAIRN_PERMISSION_DENIED, 0, "key provider failed with code 8");
  CHECK(store == NULL);
  /* A caller that does not want the error still gets the code. */
  CHECK(cairn_store_open(dir, strlen(dir), LockedKeys, NULL, &store, NULL) ==
        CAIRN_PERMISSION_DENIED);
  /* A path under a file cannot be a directory. */
  char file[4096];
  snprintf(file, sizeof file, "%s/plain-file", work);
  WriteFile(file, "x", 1);
  char under[4200];
  snprintf(under, sizeof under, "%s/store", file);
  EXPECT_ERROR(cairn_store_open(under, strlen(under), GoodKeys, &key_calls, &store, &error_),
               CAIRN_FAILED_PRECONDITION, 0, "cannot make the store directory");
}

static void ANullOrClosedStoreIsRefusedByEveryFunction(cairn_store* closed) {
  cairn_buffer out = {NULL, 0};
  cairn_store* stores[2] = {NULL, closed};
  const char* why[2] = {"store handle is NULL", "the store is closed"};
  const cairn_code codes[2] = {CAIRN_INVALID_ARGUMENT, CAIRN_FAILED_PRECONDITION};
  const char* id = "0190f3c2-7a1b-7c3d-8e4f-0123456789ab";
  for (int i = 0; i < 2; ++i) {
    cairn_store* s = stores[i];
    EXPECT_ERROR(cairn_catalog_list(s, &out, &error_), codes[i], 0, why[i]);
    EXPECT_ERROR(cairn_catalog_show(s, TEXT("exit-tickets"), &out, &error_), codes[i], 0, why[i]);
    EXPECT_ERROR(cairn_catalog_search(s, TEXT("exit"), &out, &error_), codes[i], 0, why[i]);
    EXPECT_ERROR(cairn_pursuit_start(s, TEXT("exit-tickets"), &out, &error_), codes[i], 0, why[i]);
    EXPECT_ERROR(cairn_pursuit_list(s, &out, &error_), codes[i], 0, why[i]);
    EXPECT_ERROR(cairn_pursuit_answer(s, id, strlen(id), TEXT("context"), TEXT("x"), &error_),
                 codes[i], 0, why[i]);
    EXPECT_ERROR(cairn_pursuit_reflect(s, id, strlen(id), TEXT("x"), &error_), codes[i], 0, why[i]);
    EXPECT_ERROR(cairn_pursuit_check(s, id, strlen(id), &out, &error_), codes[i], 0, why[i]);
    EXPECT_ERROR(cairn_pursuit_submit(s, id, strlen(id), &out, &error_), codes[i], 0, why[i]);
    EXPECT_ERROR(cairn_evidence_capture_file(s, id, strlen(id), TEXT("student-work"),
                                             TEXT("/etc/hostname"), TEXT(""), &out, &error_),
                 codes[i], 0, why[i]);
    EXPECT_ERROR(cairn_evidence_list(s, id, strlen(id), &out, &error_), codes[i], 0, why[i]);
    cairn_capture* capture = NULL;
    EXPECT_ERROR(
        cairn_capture_begin(s, id, strlen(id), TEXT("student-work"), NULL, 0, &capture, &error_),
        codes[i], 0, why[i]);
    CHECK(capture == NULL);
    EXPECT_ERROR(cairn_pursuit_assessments(s, id, strlen(id), &out, &error_), codes[i], 0, why[i]);
    EXPECT_ERROR(cairn_credential_list(s, &out, &error_), codes[i], 0, why[i]);
    cairn_sync* sync = NULL;
    EXPECT_ERROR(cairn_sync_begin(s, NULL, &sync, &error_), codes[i], 0, why[i]);
    EXPECT_ERROR(cairn_enrol_begin(s, TEXT("https://127.0.0.1:8443"), NULL, 0, TEXT("code"),
                                   TEXT("phone"), NULL, &sync, &error_),
                 codes[i], 0, why[i]);
    CHECK(sync == NULL);
    CHECK(out.data == NULL && out.len == 0);
  }
  /* A NULL sync handle, for every function that takes one. */
  const uint8_t answer[] = {0x08, 0xc8, 0x01}; /* HttpAnswer{status: 200} */
  EXPECT_ERROR(cairn_sync_next(NULL, &out, &error_), CAIRN_INVALID_ARGUMENT, 0, "sync handle");
  EXPECT_ERROR(cairn_sync_answer(NULL, answer, sizeof answer, &error_), CAIRN_INVALID_ARGUMENT, 0,
               "sync handle");
  EXPECT_ERROR(cairn_sync_fail(NULL, TEXT("no network"), &error_), CAIRN_INVALID_ARGUMENT, 0,
               "sync handle");
  EXPECT_ERROR(cairn_sync_run(NULL, &error_), CAIRN_INVALID_ARGUMENT, 0, "sync handle");
  EXPECT_ERROR(cairn_sync_report(NULL, &out, &error_), CAIRN_INVALID_ARGUMENT, 0, "sync handle");
  cairn_sync_pause(NULL);
  cairn_sync_cancel(NULL);
  cairn_sync_free(NULL);
  EXPECT_ERROR(cairn_store_close(NULL, &error_), CAIRN_INVALID_ARGUMENT, 0, "NULL");
  EXPECT_OK(cairn_store_close(closed, &error_)); /* closing twice is fine */
}

static void TheTeachersFlowRunsOffline(const char* store_dir, const char* work) {
  cairn_store* store = NULL;
  key_calls = 0;
  EXPECT_OK(cairn_store_open(store_dir, strlen(store_dir), GoodKeys, &key_calls, &store, &error_));
  CHECK(store != NULL);
  CHECK(key_calls == 1);
  if (store == NULL) return;

  cairn_buffer list = {NULL, 0};
  EXPECT_OK(cairn_catalog_list(store, &list, &error_));
  CHECK(Contains(&list, "exit-tickets"));
  CHECK(Contains(&list, "Exit Tickets"));
  cairn_buffer_free(&list);
  CHECK(list.data == NULL && list.len == 0);

  cairn_buffer found = {NULL, 0};
  EXPECT_OK(cairn_catalog_search(store, TEXT("exit ticket"), &found, &error_));
  CHECK(Contains(&found, "exit-tickets"));
  cairn_buffer_free(&found);
  EXPECT_OK(cairn_catalog_search(store, TEXT("quantum chromodynamics"), &found, &error_));
  CHECK(found.len == 0); /* an empty MicroCredentialList is zero bytes */
  EXPECT_ERROR(cairn_catalog_search(store, TEXT(""), &found, &error_), CAIRN_INVALID_ARGUMENT, 0,
               "'query' is empty");

  cairn_buffer mc = {NULL, 0};
  EXPECT_OK(cairn_catalog_show(store, TEXT("exit-tickets"), &mc, &error_));
  CHECK(Contains(&mc, "classroom-video"));
  cairn_buffer_free(&mc);
  EXPECT_ERROR(cairn_catalog_show(store, TEXT("no-such-credential"), &mc, &error_), CAIRN_NOT_FOUND,
               0, "no-such-credential");
  EXPECT_ERROR(cairn_catalog_list(store, NULL, &error_), CAIRN_INVALID_ARGUMENT, 0,
               "output buffer is NULL");

  cairn_buffer pursuit = {NULL, 0};
  EXPECT_OK(cairn_pursuit_start(store, TEXT("exit-tickets"), &pursuit, &error_));
  CHECK(pursuit.len == 36);
  const char* p = (const char*)pursuit.data;
  const size_t pn = pursuit.len;

  EXPECT_ERROR(cairn_pursuit_answer(store, TEXT("not-an-id"), TEXT("context"), TEXT("x"), &error_),
               CAIRN_INVALID_ARGUMENT, 0, "argument 'pursuit'");
  EXPECT_ERROR(cairn_pursuit_answer(store, p, pn, TEXT("context"), TEXT("caf\xc3"), &error_),
               CAIRN_INVALID_ARGUMENT, 0, "'text' is not UTF-8 (byte 3 of 4");
  EXPECT_ERROR(cairn_pursuit_answer(store, p, pn, NULL, 0, TEXT("x"), &error_),
               CAIRN_INVALID_ARGUMENT, 0, "'question' is empty");
  EXPECT_OK(cairn_pursuit_answer(
      store, p, pn, TEXT("context"),
      TEXT("Grade 7 science, 28 students, mixed reading levels. The lesson introduced speed as "
           "distance divided by time; every student computes a speed from a table."),
      &error_));
  EXPECT_OK(cairn_pursuit_answer(
      store, p, pn, TEXT("design"),
      TEXT("Question 1 asks for a cyclist's speed from a distance-time table. Question 2 asks "
           "whether a faster runner covers more distance in the same time."),
      &error_));

  cairn_buffer issues = {NULL, 0};
  EXPECT_OK(cairn_pursuit_check(store, p, pn, &issues, &error_));
  CHECK(Contains(&issues, "classroom-video"));
  CHECK(Contains(&issues, "reflection"));
  cairn_buffer_free(&issues);
  cairn_buffer submission = {NULL, 0};
  EXPECT_ERROR(cairn_pursuit_submit(store, p, pn, &submission, &error_), CAIRN_FAILED_PRECONDITION,
               0, "needs 1 item; you attached 0");
  CHECK(submission.data == NULL);

  /* Evidence: a video (an MP4 header is all the type detection needs) and two photos. */
  char video[4096];
  char photo1[4096];
  char photo2[4096];
  snprintf(video, sizeof video, "%s/lesson.mp4", work);
  snprintf(photo1, sizeof photo1, "%s/ticket-1.png", work);
  snprintf(photo2, sizeof photo2, "%s/ticket-2.png", work);
  static const char kMp4[] =
      "\0\0\0\x18"
      "ftypmp42\0\0\0\0mp42isom recorded in class";
  static const char kPng1[] = "\x89PNG\r\n\x1a\n first ticket";
  static const char kPng2[] = "\x89PNG\r\n\x1a\n second ticket";
  WriteFile(video, kMp4, sizeof kMp4 - 1);
  WriteFile(photo1, kPng1, sizeof kPng1 - 1);
  WriteFile(photo2, kPng2, sizeof kPng2 - 1);

  cairn_buffer evidence = {NULL, 0};
  EXPECT_ERROR(cairn_evidence_capture_file(store, p, pn, TEXT("lesson-plan"), video, strlen(video),
                                           TEXT(""), &evidence, &error_),
               CAIRN_INVALID_ARGUMENT, 0, "asks for no artifact 'lesson-plan'");
  char missing[4200];
  snprintf(missing, sizeof missing, "%s/not-there.mp4", work);
  EXPECT_ERROR(cairn_evidence_capture_file(store, p, pn, TEXT("classroom-video"), missing,
                                           strlen(missing), TEXT(""), &evidence, &error_),
               CAIRN_NOT_FOUND, 0, "not-there.mp4");
  EXPECT_OK(cairn_evidence_capture_file(store, p, pn, TEXT("classroom-video"), video, strlen(video),
                                        TEXT("Tickets handed out"), &evidence, &error_));
  CHECK(evidence.len == 36);
  cairn_buffer_free(&evidence);
  EXPECT_OK(cairn_evidence_capture_file(store, p, pn, TEXT("student-work"), photo1, strlen(photo1),
                                        NULL, 0, &evidence, &error_));
  cairn_buffer_free(&evidence);
  EXPECT_OK(cairn_evidence_capture_file(store, p, pn, TEXT("student-work"), photo2, strlen(photo2),
                                        NULL, 0, &evidence, &error_));
  cairn_buffer_free(&evidence);

  /* A third sample, from a stream: the scanner hands over its bytes as it makes them. */
  cairn_capture* capture = NULL;
  EXPECT_ERROR(cairn_capture_begin(store, p, pn, TEXT("lesson-plan"), NULL, 0, &capture, &error_),
               CAIRN_INVALID_ARGUMENT, 0, "asks for no artifact 'lesson-plan'");
  CHECK(capture == NULL);
  EXPECT_ERROR(cairn_capture_begin(store, p, pn, TEXT("student-work"), NULL, 0, NULL, &error_),
               CAIRN_INVALID_ARGUMENT, 0, "capture output is NULL");
  EXPECT_OK(cairn_capture_begin(store, p, pn, TEXT("student-work"), TEXT("Scanned at the copier"),
                                &capture, &error_));
  static uint8_t scan[200000];
  memcpy(scan, "\x89PNG\r\n\x1a\n", 8);
  for (size_t i = 8; i < sizeof scan; ++i) scan[i] = (uint8_t)(i * 131u);
  for (size_t at = 0; at < sizeof scan; at += 4096) {
    const size_t n = sizeof scan - at < 4096 ? sizeof scan - at : 4096;
    EXPECT_OK(cairn_capture_write(capture, scan + at, n, &error_));
  }
  EXPECT_OK(cairn_capture_write(capture, NULL, 0, &error_));
  EXPECT_ERROR(cairn_capture_write(capture, NULL, 3, &error_), CAIRN_INVALID_ARGUMENT, 0,
               "NULL with a length of 3");
  EXPECT_ERROR(cairn_capture_finish(capture, NULL, &error_), CAIRN_INVALID_ARGUMENT, 0,
               "output buffer is NULL");
  EXPECT_OK(cairn_capture_finish(capture, &evidence, &error_));
  CHECK(evidence.len == 36);
  cairn_buffer_free(&evidence);
  EXPECT_ERROR(cairn_capture_finish(capture, &evidence, &error_), CAIRN_FAILED_PRECONDITION, 0,
               "the capture is finished");
  EXPECT_ERROR(cairn_capture_write(capture, scan, 1, &error_), CAIRN_FAILED_PRECONDITION, 0,
               "the capture is finished");
  cairn_capture_free(capture);
  EXPECT_ERROR(cairn_capture_write(NULL, scan, 1, &error_), CAIRN_INVALID_ARGUMENT, 0,
               "capture handle is NULL");
  EXPECT_ERROR(cairn_capture_finish(NULL, &evidence, &error_), CAIRN_INVALID_ARGUMENT, 0,
               "capture handle is NULL");
  cairn_capture_free(NULL);
  /* A recording abandoned half way is discarded: it records no evidence. */
  EXPECT_OK(cairn_capture_begin(store, p, pn, TEXT("student-work"), NULL, 0, &capture, &error_));
  EXPECT_OK(cairn_capture_write(capture, scan, 5000, &error_));
  cairn_capture_free(capture);

  cairn_buffer items = {NULL, 0};
  EXPECT_OK(cairn_evidence_list(store, p, pn, &items, &error_));
  CHECK(Contains(&items, "Tickets handed out"));
  CHECK(Contains(&items, "video/mp4"));
  CHECK(Contains(&items, "image/png"));
  CHECK(Contains(&items, "Scanned at the copier"));
  cairn_buffer_free(&items);

  EXPECT_OK(cairn_pursuit_reflect(
      store, p, pn,
      TEXT("About a third of the tickets divided time by distance. The next morning I opened "
           "with a two-minute unit check and grouped those students for a worked example; on "
           "the next ticket all but two computed speed correctly."),
      &error_));
  EXPECT_OK(cairn_pursuit_check(store, p, pn, &issues, &error_));
  CHECK(issues.len == 0); /* no issues: an empty CheckResult */
  cairn_buffer_free(&issues);
  EXPECT_OK(cairn_pursuit_submit(store, p, pn, &submission, &error_));
  CHECK(submission.len == 36);
  cairn_buffer_free(&submission);

  cairn_buffer pursuits = {NULL, 0};
  EXPECT_OK(cairn_pursuit_list(store, &pursuits, &error_));
  CHECK(pursuits.len > 0);
  cairn_buffer_free(&pursuits);

  /* Closed: the handle stays valid and every call says so, until it is freed; a capture still
   * open loses its recording. */
  EXPECT_OK(cairn_capture_begin(store, p, pn, TEXT("student-work"), NULL, 0, &capture, &error_));
  EXPECT_OK(cairn_store_close(store, &error_));
  EXPECT_ERROR(cairn_capture_write(capture, scan, 10, &error_), CAIRN_FAILED_PRECONDITION, 0,
               "the store is closed");
  EXPECT_ERROR(cairn_capture_finish(capture, &evidence, &error_), CAIRN_FAILED_PRECONDITION, 0,
               "the store is closed");
  cairn_capture_free(capture);
  cairn_buffer_free(&pursuit);
  ANullOrClosedStoreIsRefusedByEveryFunction(store);
  cairn_store_free(store);

  /* What was written is there after opening again. */
  store = NULL;
  EXPECT_OK(cairn_store_open(store_dir, strlen(store_dir), GoodKeys, &key_calls, &store, &error_));
  EXPECT_OK(cairn_pursuit_list(store, &pursuits, &error_));
  CHECK(Contains(&pursuits, "exit-tickets"));
  cairn_buffer_free(&pursuits);

  /* A capture may outlive its store's handle: it then finds the store closed. */
  cairn_buffer second = {NULL, 0};
  EXPECT_OK(cairn_pursuit_start(store, TEXT("exit-tickets"), &second, &error_));
  EXPECT_OK(cairn_capture_begin(store, (const char*)second.data, second.len,
                                TEXT("classroom-video"), NULL, 0, &capture, &error_));
  EXPECT_OK(cairn_capture_write(capture, scan, 100, &error_));
  cairn_store_free(store);
  EXPECT_ERROR(cairn_capture_write(capture, scan, 100, &error_), CAIRN_FAILED_PRECONDITION, 0,
               "the store is closed");
  cairn_capture_free(capture);
  cairn_buffer_free(&second);
}

/* From throwing_keys.cc: throws a C++ exception. */
cairn_code ThrowingKeys(void* user_data, uint8_t* key, size_t key_len);

static void AnExceptionInsideACallIsAnInternalError(const char* work) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/throwing", work);
  cairn_store* store = NULL;
  EXPECT_ERROR(cairn_store_open(dir, strlen(dir), ThrowingKeys, NULL, &store, &error_),
               CAIRN_INTERNAL, 0, "the core failed: the keystore exploded");
  CHECK(store == NULL);
  /* Nothing half-open stays behind: the same directory opens with a working provider. */
  EXPECT_OK(cairn_store_open(dir, strlen(dir), GoodKeys, &key_calls, &store, &error_));
  cairn_store_free(store);
}

/* The observer: cancels the sync at its first WAIT, counting its reports. */
static int reports = 0;
static cairn_sync* cancel_me = NULL;
static void CancelAtTheFirstWait(void* user_data, const uint8_t* report, size_t len) {
  (void)user_data;
  ++reports;
  /* SyncReport.state (field 1, varint) == WAITING (4). */
  if (len >= 2 && report[0] == 0x08 && report[1] == 0x04) cairn_sync_cancel(cancel_me);
}

/* Answers the SEND step of `sync` with `answer` and asks for the next step. */
static cairn_code AnswerAndStep(cairn_sync* sync, const uint8_t* answer, size_t len,
                                cairn_buffer* step, cairn_error** error) {
  cairn_buffer_free(step);
  cairn_code code = cairn_sync_answer(sync, answer, len, error);
  if (code != CAIRN_OK) return code;
  return cairn_sync_next(sync, step, error);
}

static void SyncStepsRefuseGarbageAndAnObserverMayCancel(const char* work) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/sync-store", work);
  cairn_store* store = NULL;
  EXPECT_OK(cairn_store_open(dir, strlen(dir), GoodKeys, &key_calls, &store, &error_));
  cairn_sync* sync = NULL;
  cairn_buffer step = {NULL, 0};
  /* No server is needed: the test is the app's HTTP stack, and answers as it pleases. */
  EXPECT_ERROR(cairn_enrol_begin(store, TEXT("ftp://127.0.0.1:9"), NULL, 0, TEXT("code"),
                                 TEXT("phone"), NULL, &sync, &error_),
               CAIRN_INVALID_ARGUMENT, 0, "ftp://127.0.0.1:9");
  EXPECT_OK(cairn_enrol_begin(store, TEXT("https://127.0.0.1:9"), NULL, 0, TEXT("ABCD-EFGH"),
                              TEXT("phone"), NULL, &sync, &error_));
  EXPECT_OK(cairn_sync_next(sync, &step, &error_));
  CHECK(Contains(&step, "https://127.0.0.1:9/v1/enrol"));
  CHECK(Contains(&step, "ABCD-EFGH"));
  /* Asking for the next step before answering counts the request as failed: a WAIT. */
  cairn_buffer_free(&step);
  EXPECT_OK(cairn_sync_next(sync, &step, &error_));
  CHECK(step.len >= 2 && step.data[0] == 0x08 && step.data[1] == 0x02); /* kind: WAIT */
  cairn_buffer_free(&step);
  EXPECT_OK(cairn_sync_next(sync, &step, &error_));
  CHECK(Contains(&step, "https://127.0.0.1:9/v1/enrol")); /* the same request again */
  cairn_buffer_free(&step);
  /* Garbage where an HttpAnswer belongs, and an HTTP status that is none. */
  const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff};
  EXPECT_ERROR(cairn_sync_answer(sync, garbage, sizeof garbage, &error_), CAIRN_INVALID_ARGUMENT,
               0, "not an HttpAnswer");
  const uint8_t status_99[] = {0x08, 0x63};
  EXPECT_ERROR(cairn_sync_answer(sync, status_99, sizeof status_99, &error_),
               CAIRN_INVALID_ARGUMENT, 0, "100 to 599");
  /* A 503 is retried after a WAIT; then a 200 whose body is garbage ends the sync, saying so. */
  const uint8_t busy[] = {0x08, 0xf7, 0x03};
  EXPECT_OK(AnswerAndStep(sync, busy, sizeof busy, &step, &error_));
  CHECK(step.len >= 2 && step.data[0] == 0x08 && step.data[1] == 0x02); /* kind: WAIT */
  cairn_buffer_free(&step);
  EXPECT_OK(cairn_sync_next(sync, &step, &error_));
  CHECK(step.len >= 2 && step.data[0] == 0x08 && step.data[1] == 0x01); /* kind: SEND */
  const uint8_t garbled[] = {0x08, 0xc8, 0x01, 0x1a, 0x03, 0xff, 0xff, 0xff};
  EXPECT_ERROR(AnswerAndStep(sync, garbled, sizeof garbled, &step, &error_), CAIRN_INTERNAL, 0,
               "not an EnrolResponse");
  CHECK(step.len >= 2 && step.data[0] == 0x08 && step.data[1] == 0x03); /* kind: DONE */
  cairn_buffer_free(&step);
  EXPECT_ERROR(cairn_sync_next(sync, &step, &error_), CAIRN_INTERNAL, 0, "not an EnrolResponse");
  cairn_buffer_free(&step);
  cairn_sync_free(sync);

  /* The observer cancels at the first WAIT; the sync then ends, saying so. */
  cairn_sync_options options = {0, 0, 0, CancelAtTheFirstWait, NULL};
  EXPECT_OK(cairn_enrol_begin(store, TEXT("https://127.0.0.1:9"), NULL, 0, TEXT("ABCD-EFGH"),
                              TEXT("phone"), &options, &sync, &error_));
  cancel_me = sync;
  EXPECT_OK(cairn_sync_next(sync, &step, &error_));
  cairn_buffer_free(&step);
  EXPECT_OK(cairn_sync_fail(sync, TEXT("the network is down"), &error_));
  EXPECT_ERROR(cairn_sync_next(sync, &step, &error_), CAIRN_ABORTED, 1, "cancelled");
  CHECK(reports >= 3); /* enrolling, waiting, done */
  cairn_buffer_free(&step);
  cairn_sync_free(sync);
  /* Still not enrolled: a sync says to enrol first. */
  EXPECT_ERROR(cairn_sync_begin(store, NULL, &sync, &error_), CAIRN_FAILED_PRECONDITION, 0,
               "cairn_enrol_begin");
  cairn_store_free(store);
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s STORE_DIR WORK_DIR\n", argv[0]);
    return 2;
  }
  TheTableIsTheAbisCodes();
  OpeningRefusesWhatCannotWork(argv[2]);
  TheTeachersFlowRunsOffline(argv[1], argv[2]);
  AnExceptionInsideACallIsAnInternalError(argv[2]);
  SyncStepsRefuseGarbageAndAnObserverMayCancel(argv[2]);
  if (failures > 0) {
    fprintf(stderr, "%d checks failed\n", failures);
    return 1;
  }
  printf("every check passed\n");
  return 0;
}
