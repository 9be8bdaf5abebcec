// The JNI layer of the Android binding: org.cairn.Native's functions over the C ABI (cairn.h),
// and nothing else — it sees the core only as an app does.
//
// - Functions are registered with RegisterNatives in JNI_OnLoad (no exported Java_* names; the
//   library exports JNI_OnLoad alone).
// - Text arrives and leaves as UTF-8 byte[], never through NewStringUTF/GetStringUTFChars, whose
//   "modified UTF-8" corrupts characters outside the BMP (emoji in a teacher's reflection).
// - A failure throws org.cairn.CairnException(code, UTF-8 message, retryable). A Java exception
//   already pending (thrown by the app's key provider or listener) is left to propagate instead.
// - Callbacks (the key provider, the sync observer) run on the thread of the call, which is a
//   Java thread already attached: they reach Java through the JNIEnv of that call.
//
// Thread-safety: as cairn.h; the cached classes and method ids are set once in JNI_OnLoad.
#include <jni.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "cairn.h"

namespace {

// Looked up once: JNI_OnLoad runs on a thread whose class loader sees the app's classes.
jclass g_exception_class = nullptr;
jmethodID g_exception_init = nullptr;
jmethodID g_evidence_key = nullptr;
jmethodID g_deliver = nullptr;

// A byte[] argument as bytes; empty for null.
std::string Bytes(JNIEnv* env, jbyteArray array) {
  if (array == nullptr) return {};
  const jsize len = env->GetArrayLength(array);
  std::string out(static_cast<size_t>(len), '\0');
  env->GetByteArrayRegion(array, 0, len, reinterpret_cast<jbyte*>(out.data()));
  return out;
}

jbyteArray NewBytes(JNIEnv* env, const uint8_t* data, size_t len) {
  jbyteArray array = env->NewByteArray(static_cast<jsize>(len));
  if (array != nullptr && len > 0) {
    env->SetByteArrayRegion(array, 0, static_cast<jsize>(len),
                            reinterpret_cast<const jbyte*>(data));
  }
  return array;
}

// Throws CairnException for a failed call (unless a Java exception is pending) and frees the
// error. Returns true when the call succeeded and no Java exception is pending.
bool Check(JNIEnv* env, cairn_code code, cairn_error* error) {
  // The app's callback threw inside the call: its exception goes up, whatever the code.
  if (env->ExceptionCheck()) {
    cairn_error_free(error);
    return false;
  }
  if (code == CAIRN_OK) return true;
  {
    const char* message = error != nullptr ? error->message : "the core ran out of memory";
    const size_t len = error != nullptr ? error->message_len : std::strlen(message);
    jbyteArray text = NewBytes(env, reinterpret_cast<const uint8_t*>(message), len);
    if (text != nullptr) {
      auto* exception = static_cast<jthrowable>(
          env->NewObject(g_exception_class, g_exception_init, static_cast<jint>(code), text,
                         static_cast<jboolean>(error != nullptr && error->retryable != 0)));
      if (exception != nullptr) env->Throw(exception);
    }
  }
  cairn_error_free(error);
  return false;
}

// A buffer-returning call's bytes as a byte[]; null after a failure (with the exception thrown).
template <typename Call>
jbyteArray BufferCall(JNIEnv* env, Call&& call) {
  cairn_buffer out{};
  cairn_error* error = nullptr;
  // The call first, then its error: an argument list would not order the two.
  const cairn_code code = call(&out, &error);
  if (!Check(env, code, error)) {
    cairn_buffer_free(&out);
    return nullptr;
  }
  jbyteArray array = NewBytes(env, out.data, out.len);
  cairn_buffer_free(&out);
  return array;
}

template <typename Call>
void VoidCall(JNIEnv* env, Call&& call) {
  cairn_error* error = nullptr;
  const cairn_code code = call(&error);
  Check(env, code, error);
}

template <typename Handle>
Handle* As(jlong handle) {
  return reinterpret_cast<Handle*>(static_cast<intptr_t>(handle));
}

template <typename Handle>
jlong Of(Handle* handle) {
  return static_cast<jlong>(reinterpret_cast<intptr_t>(handle));
}

// ---- The store. ----

struct KeyCall {
  JNIEnv* env;
  jobject provider;
};

cairn_code ProvideKey(void* user_data, uint8_t* key, size_t key_len) {
  auto* call = static_cast<KeyCall*>(user_data);
  JNIEnv* env = call->env;
  auto* bytes = static_cast<jbyteArray>(env->CallObjectMethod(call->provider, g_evidence_key));
  if (env->ExceptionCheck()) return CAIRN_FAILED_PRECONDITION;  // the app's exception propagates
  if (bytes == nullptr || env->GetArrayLength(bytes) != static_cast<jsize>(key_len)) {
    return CAIRN_INVALID_ARGUMENT;
  }
  env->GetByteArrayRegion(bytes, 0, static_cast<jsize>(key_len), reinterpret_cast<jbyte*>(key));
  env->DeleteLocalRef(bytes);
  return CAIRN_OK;
}

jlong StoreOpen(JNIEnv* env, jclass, jbyteArray dir_bytes, jobject keys) {
  const std::string dir = Bytes(env, dir_bytes);
  KeyCall call{env, keys};
  cairn_store* store = nullptr;
  cairn_error* error = nullptr;
  const cairn_code code = cairn_store_open(
      dir.data(), dir.size(), keys != nullptr ? ProvideKey : nullptr, &call, &store, &error);
  return Check(env, code, error) ? Of(store) : 0;
}

void StoreClose(JNIEnv* env, jclass, jlong store) {
  VoidCall(env, [&](cairn_error** e) { return cairn_store_close(As<cairn_store>(store), e); });
}

void StoreFree(JNIEnv*, jclass, jlong store) { cairn_store_free(As<cairn_store>(store)); }

// ---- Catalog, pursuits, evidence, what comes back. ----

void PursuitAnswer(JNIEnv* env, jclass, jlong store, jbyteArray pursuit, jbyteArray question,
                   jbyteArray text) {
  const std::string p = Bytes(env, pursuit);
  const std::string q = Bytes(env, question);
  const std::string t = Bytes(env, text);
  VoidCall(env, [&](cairn_error** e) {
    return cairn_pursuit_answer(As<cairn_store>(store), p.data(), p.size(), q.data(), q.size(),
                                t.data(), t.size(), e);
  });
}

void PursuitReflect(JNIEnv* env, jclass, jlong store, jbyteArray pursuit, jbyteArray text) {
  const std::string p = Bytes(env, pursuit);
  const std::string t = Bytes(env, text);
  VoidCall(env, [&](cairn_error** e) {
    return cairn_pursuit_reflect(As<cairn_store>(store), p.data(), p.size(), t.data(), t.size(), e);
  });
}

// The two shapes most calls share: a store to a buffer, and a store and one text to a buffer.
using StoreBufferFn = cairn_code (*)(cairn_store*, cairn_buffer*, cairn_error**) noexcept;
using TextBufferFn = cairn_code (*)(cairn_store*, const char*, size_t, cairn_buffer*,
                                    cairn_error**) noexcept;

template <StoreBufferFn Fn>
jbyteArray StoreBuffer(JNIEnv* env, jclass, jlong store) {
  return BufferCall(
      env, [&](cairn_buffer* out, cairn_error** e) { return Fn(As<cairn_store>(store), out, e); });
}

template <TextBufferFn Fn>
jbyteArray TextBuffer(JNIEnv* env, jclass, jlong store, jbyteArray text) {
  const std::string t = Bytes(env, text);
  return BufferCall(env, [&](cairn_buffer* out, cairn_error** e) {
    return Fn(As<cairn_store>(store), t.data(), t.size(), out, e);
  });
}

jbyteArray CredentialExport(JNIEnv* env, jclass, jlong store, jbyteArray credential,
                            jbyteArray format, jboolean jws) {
  const std::string c = Bytes(env, credential);
  const std::string f = Bytes(env, format);
  return BufferCall(env, [&](cairn_buffer* out, cairn_error** e) {
    return cairn_credential_export(As<cairn_store>(store), c.data(), c.size(), f.data(), f.size(),
                                   jws == JNI_TRUE ? 1 : 0, out, e);
  });
}

jbyteArray CredentialVerify(JNIEnv* env, jclass, jlong store, jbyteArray file, jbyteArray file_name,
                            jlong now_ms) {
  const std::string bytes = Bytes(env, file);
  const std::string name = Bytes(env, file_name);
  return BufferCall(env, [&](cairn_buffer* out, cairn_error** e) {
    return cairn_credential_verify(As<cairn_store>(store),
                                   reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                                   name.data(), name.size(), static_cast<int64_t>(now_ms), out, e);
  });
}

void ConflictResolve(JNIEnv* env, jclass, jlong store, jbyteArray entity, jbyteArray field,
                     jbyteArray text) {
  const std::string en = Bytes(env, entity);
  const std::string f = Bytes(env, field);
  const std::string t = Bytes(env, text);
  VoidCall(env, [&](cairn_error** e) {
    return cairn_conflict_resolve(As<cairn_store>(store), en.data(), en.size(), f.data(), f.size(),
                                  t.data(), t.size(), e);
  });
}

jbyteArray EvidenceCaptureFile(JNIEnv* env, jclass, jlong store, jbyteArray pursuit,
                               jbyteArray requirement, jbyteArray path, jbyteArray caption) {
  const std::string p = Bytes(env, pursuit);
  const std::string r = Bytes(env, requirement);
  const std::string f = Bytes(env, path);
  const std::string c = Bytes(env, caption);
  return BufferCall(env, [&](cairn_buffer* out, cairn_error** e) {
    return cairn_evidence_capture_file(As<cairn_store>(store), p.data(), p.size(), r.data(),
                                       r.size(), f.data(), f.size(), c.data(), c.size(), out, e);
  });
}

// ---- Capture from a stream. ----

jlong CaptureBegin(JNIEnv* env, jclass, jlong store, jbyteArray pursuit, jbyteArray requirement,
                   jbyteArray caption) {
  const std::string p = Bytes(env, pursuit);
  const std::string r = Bytes(env, requirement);
  const std::string c = Bytes(env, caption);
  cairn_capture* capture = nullptr;
  cairn_error* error = nullptr;
  const cairn_code code = cairn_capture_begin(As<cairn_store>(store), p.data(), p.size(), r.data(),
                                              r.size(), c.data(), c.size(), &capture, &error);
  return Check(env, code, error) ? Of(capture) : 0;
}

void CaptureWrite(JNIEnv* env, jclass, jlong capture, jbyteArray bytes, jint offset, jint length) {
  // Copied out in pieces, so that a camera's large buffers never pin the Java heap.
  constexpr jint kPiece = 1 << 20;
  std::vector<uint8_t> piece(static_cast<size_t>(std::min(length, kPiece)));
  for (jint done = 0; done < length;) {
    const jint n = std::min(length - done, kPiece);
    env->GetByteArrayRegion(bytes, offset + done, n, reinterpret_cast<jbyte*>(piece.data()));
    if (env->ExceptionCheck()) return;
    cairn_error* error = nullptr;
    const cairn_code code = cairn_capture_write(As<cairn_capture>(capture), piece.data(),
                                                static_cast<size_t>(n), &error);
    if (!Check(env, code, error)) return;
    done += n;
  }
}

jbyteArray CaptureFinish(JNIEnv* env, jclass, jlong capture) {
  return BufferCall(env, [&](cairn_buffer* out, cairn_error** e) {
    return cairn_capture_finish(As<cairn_capture>(capture), out, e);
  });
}

void CaptureFree(JNIEnv*, jclass, jlong capture) { cairn_capture_free(As<cairn_capture>(capture)); }

// ---- Sync. ----

// The Java handle of a sync: the C handle and the observer it reports to.
struct SyncHandle {
  cairn_sync* sync = nullptr;
  jobject observer = nullptr;  // a global reference to the org.cairn.Sync.Observer
  JNIEnv* env = nullptr;       // the env of the call driving the sync, for the observer
};

void Observe(void* user_data, const uint8_t* report, size_t report_len) {
  auto* handle = static_cast<SyncHandle*>(user_data);
  JNIEnv* env = handle->env;
  // After the listener threw, stay quiet: the exception propagates when the call returns.
  if (env == nullptr || env->ExceptionCheck()) return;
  jbyteArray bytes = NewBytes(env, report, report_len);
  if (bytes == nullptr) return;
  env->CallVoidMethod(handle->observer, g_deliver, bytes);
  env->DeleteLocalRef(bytes);
}

cairn_sync_options OptionsOf(jint bits, SyncHandle* handle) {
  cairn_sync_options options{};
  options.metered = (bits & 1) != 0 ? 1 : 0;
  options.allow_large_on_metered = (bits & 2) != 0 ? 1 : 0;
  options.body_files = (bits & 4) != 0 ? 1 : 0;
  options.observer = Observe;
  options.observer_data = handle;
  return options;
}

// Makes the Java handle; `begin` makes the C sync with the options.
template <typename Begin>
jlong NewSync(JNIEnv* env, jint bits, jobject observer, Begin&& begin) {
  auto* handle = new SyncHandle;
  handle->observer = env->NewGlobalRef(observer);
  const cairn_sync_options options = OptionsOf(bits, handle);
  cairn_error* error = nullptr;
  const cairn_code code = begin(options, &handle->sync, &error);
  if (!Check(env, code, error)) {
    env->DeleteGlobalRef(handle->observer);
    delete handle;
    return 0;
  }
  return Of(handle);
}

jlong SyncBegin(JNIEnv* env, jclass, jlong store, jint bits, jobject observer) {
  return NewSync(env, bits, observer,
                 [&](const cairn_sync_options& options, cairn_sync** sync, cairn_error** e) {
                   return cairn_sync_begin(As<cairn_store>(store), &options, sync, e);
                 });
}

jlong EnrolBegin(JNIEnv* env, jclass, jlong store, jbyteArray url, jbyteArray pin, jbyteArray code,
                 jbyteArray name, jint bits, jobject observer) {
  const std::string u = Bytes(env, url);
  const std::string p = Bytes(env, pin);
  const std::string c = Bytes(env, code);
  const std::string n = Bytes(env, name);
  return NewSync(env, bits, observer,
                 [&](const cairn_sync_options& options, cairn_sync** sync, cairn_error** e) {
                   return cairn_enrol_begin(As<cairn_store>(store), u.data(), u.size(), p.data(),
                                            p.size(), c.data(), c.size(), n.data(), n.size(),
                                            &options, sync, e);
                 });
}

jlong EvidenceFetchBegin(JNIEnv* env, jclass, jlong store, jbyteArray evidence, jint bits,
                         jobject observer) {
  const std::string e = Bytes(env, evidence);
  return NewSync(env, bits, observer,
                 [&](const cairn_sync_options& options, cairn_sync** sync, cairn_error** err) {
                   return cairn_evidence_fetch_begin(As<cairn_store>(store), e.data(), e.size(),
                                                     &options, sync, err);
                 });
}

// Runs `call` with the observer reporting through this call's env.
template <typename Call>
auto Driving(JNIEnv* env, jlong sync, Call&& call) {
  SyncHandle* handle = As<SyncHandle>(sync);
  handle->env = env;
  auto result = call(handle->sync);
  handle->env = nullptr;
  return result;
}

jbyteArray SyncNext(JNIEnv* env, jclass, jlong sync) {
  return Driving(env, sync, [&](cairn_sync* s) {
    return BufferCall(
        env, [&](cairn_buffer* out, cairn_error** e) { return cairn_sync_next(s, out, e); });
  });
}

void SyncAnswer(JNIEnv* env, jclass, jlong sync, jbyteArray answer) {
  const std::string bytes = Bytes(env, answer);
  Driving(env, sync, [&](cairn_sync* s) {
    VoidCall(env, [&](cairn_error** e) {
      return cairn_sync_answer(s, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), e);
    });
    return 0;
  });
}

void SyncFail(JNIEnv* env, jclass, jlong sync, jbyteArray message) {
  const std::string text = Bytes(env, message);
  Driving(env, sync, [&](cairn_sync* s) {
    VoidCall(env, [&](cairn_error** e) { return cairn_sync_fail(s, text.data(), text.size(), e); });
    return 0;
  });
}

void SyncRun(JNIEnv* env, jclass, jlong sync) {
  Driving(env, sync, [&](cairn_sync* s) {
    VoidCall(env, [&](cairn_error** e) { return cairn_sync_run(s, e); });
    return 0;
  });
}

jbyteArray SyncReport(JNIEnv* env, jclass, jlong sync) {
  return BufferCall(env, [&](cairn_buffer* out, cairn_error** e) {
    return cairn_sync_report(As<SyncHandle>(sync)->sync, out, e);
  });
}

void SyncPause(JNIEnv*, jclass, jlong sync) { cairn_sync_pause(As<SyncHandle>(sync)->sync); }

void SyncCancel(JNIEnv*, jclass, jlong sync) { cairn_sync_cancel(As<SyncHandle>(sync)->sync); }

void SyncFree(JNIEnv* env, jclass, jlong sync) {
  SyncHandle* handle = As<SyncHandle>(sync);
  if (handle == nullptr) return;
  cairn_sync_free(handle->sync);
  env->DeleteGlobalRef(handle->observer);
  delete handle;
}

// ---- Basics. ----

jint AbiVersion(JNIEnv*, jclass) { return static_cast<jint>(cairn_abi_version()); }

jbyteArray CodeName(JNIEnv* env, jclass, jint code) {
  const char* name = cairn_code_name(static_cast<cairn_code>(code));
  return NewBytes(env, reinterpret_cast<const uint8_t*>(name), std::strlen(name));
}

// The natives of org.cairn.Native, by name and JNI signature.
template <typename Fn>
JNINativeMethod Method(const char* name, const char* signature, Fn fn) {
  return JNINativeMethod{const_cast<char*>(name), const_cast<char*>(signature),
                         reinterpret_cast<void*>(fn)};
}

bool Register(JNIEnv* env) {
  jclass native = env->FindClass("org/cairn/Native");
  jclass exception = env->FindClass("org/cairn/CairnException");
  jclass keys = env->FindClass("org/cairn/KeyProvider");
  jclass observer = env->FindClass("org/cairn/Sync$Observer");
  if (native == nullptr || exception == nullptr || keys == nullptr || observer == nullptr) {
    return false;
  }
  g_exception_class = static_cast<jclass>(env->NewGlobalRef(exception));
  g_exception_init = env->GetMethodID(exception, "<init>", "(I[BZ)V");
  g_evidence_key = env->GetMethodID(keys, "evidenceKey", "()[B");
  g_deliver = env->GetMethodID(observer, "deliver", "([B)V");
  if (g_exception_init == nullptr || g_evidence_key == nullptr || g_deliver == nullptr) {
    return false;
  }
  const JNINativeMethod methods[] = {
      Method("abiVersion", "()I", AbiVersion),
      Method("codeName", "(I)[B", CodeName),
      Method("storeOpen", "([BLorg/cairn/KeyProvider;)J", StoreOpen),
      Method("storeClose", "(J)V", StoreClose),
      Method("storeFree", "(J)V", StoreFree),
      Method("catalogList", "(J)[B", StoreBuffer<cairn_catalog_list>),
      Method("catalogShow", "(J[B)[B", TextBuffer<cairn_catalog_show>),
      Method("catalogSearch", "(J[B)[B", TextBuffer<cairn_catalog_search>),
      Method("pursuitStart", "(J[B)[B", TextBuffer<cairn_pursuit_start>),
      Method("pursuitList", "(J)[B", StoreBuffer<cairn_pursuit_list>),
      Method("pursuitAnswer", "(J[B[B[B)V", PursuitAnswer),
      Method("pursuitReflect", "(J[B[B)V", PursuitReflect),
      Method("pursuitCheck", "(J[B)[B", TextBuffer<cairn_pursuit_check>),
      Method("pursuitSubmit", "(J[B)[B", TextBuffer<cairn_pursuit_submit>),
      Method("pursuitAssessments", "(J[B)[B", TextBuffer<cairn_pursuit_assessments>),
      Method("credentialList", "(J)[B", StoreBuffer<cairn_credential_list>),
      Method("credentialExport", "(J[B[BZ)[B", CredentialExport),
      Method("credentialVerify", "(J[B[BJ)[B", CredentialVerify),
      Method("conflictList", "(J)[B", StoreBuffer<cairn_conflict_list>),
      Method("conflictResolve", "(J[B[B[B)V", ConflictResolve),
      Method("evidenceCaptureFile", "(J[B[B[B[B)[B", EvidenceCaptureFile),
      Method("evidenceList", "(J[B)[B", TextBuffer<cairn_evidence_list>),
      Method("captureBegin", "(J[B[B[B)J", CaptureBegin),
      Method("captureWrite", "(J[BII)V", CaptureWrite),
      Method("captureFinish", "(J)[B", CaptureFinish),
      Method("captureFree", "(J)V", CaptureFree),
      Method("syncBegin", "(JILorg/cairn/Sync$Observer;)J", SyncBegin),
      Method("enrolBegin", "(J[B[B[B[BILorg/cairn/Sync$Observer;)J", EnrolBegin),
      Method("evidenceFetchBegin", "(J[BILorg/cairn/Sync$Observer;)J", EvidenceFetchBegin),
      Method("syncNext", "(J)[B", SyncNext),
      Method("syncAnswer", "(J[B)V", SyncAnswer),
      Method("syncFail", "(J[B)V", SyncFail),
      Method("syncRun", "(J)V", SyncRun),
      Method("syncReport", "(J)[B", SyncReport),
      Method("syncPause", "(J)V", SyncPause),
      Method("syncCancel", "(J)V", SyncCancel),
      Method("syncFree", "(J)V", SyncFree),
  };
  return env->RegisterNatives(native, methods,
                              static_cast<jint>(sizeof(methods) / sizeof(methods[0]))) == JNI_OK;
}

}  // namespace

extern "C" JNIEXPORT jint JNI_OnLoad(JavaVM* vm, void* /*reserved*/) {
  JNIEnv* env = nullptr;
  if (vm->GetEnv(reinterpret_cast<void**>(&env), JNI_VERSION_1_6) != JNI_OK) return JNI_ERR;
  return Register(env) ? JNI_VERSION_1_6 : JNI_ERR;
}
