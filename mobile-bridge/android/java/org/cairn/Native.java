package org.cairn;

import java.nio.charset.StandardCharsets;

/**
 * The JNI layer's functions (mobile-bridge/android/jni/cairn_jni.cc), one per function of
 * cairn.h. Handles are the C pointers as longs; text crosses as UTF-8 bytes both ways, because
 * JNI's "modified UTF-8" would corrupt the emoji in a teacher's reflection. A failure throws
 * {@link CairnException}.
 */
final class Native {
  static {
    System.loadLibrary("cairn_jni");
  }

  private Native() {}

  static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  static String text(byte[] utf8) {
    return new String(utf8, StandardCharsets.UTF_8);
  }

  static native int abiVersion();

  static native byte[] codeName(int code);

  static native long storeOpen(byte[] dir, KeyProvider keys) throws CairnException;

  static native void storeClose(long store) throws CairnException;

  static native void storeFree(long store);

  static native byte[] catalogList(long store) throws CairnException;

  static native byte[] catalogShow(long store, byte[] id) throws CairnException;

  static native byte[] catalogSearch(long store, byte[] query) throws CairnException;

  static native byte[] pursuitStart(long store, byte[] microCredential) throws CairnException;

  static native byte[] pursuitList(long store) throws CairnException;

  static native void pursuitAnswer(long store, byte[] pursuit, byte[] question, byte[] text)
      throws CairnException;

  static native void pursuitReflect(long store, byte[] pursuit, byte[] text)
      throws CairnException;

  static native byte[] pursuitCheck(long store, byte[] pursuit) throws CairnException;

  static native byte[] pursuitSubmit(long store, byte[] pursuit) throws CairnException;

  static native byte[] pursuitAssessments(long store, byte[] pursuit) throws CairnException;

  static native byte[] credentialList(long store) throws CairnException;

  static native byte[] credentialExport(long store, byte[] credential, byte[] format, boolean jws)
      throws CairnException;

  static native byte[] credentialVerify(long store, byte[] file, byte[] fileName, long nowMs)
      throws CairnException;

  static native byte[] conflictList(long store) throws CairnException;

  static native void conflictResolve(long store, byte[] entity, byte[] field, byte[] text)
      throws CairnException;

  static native byte[] evidenceCaptureFile(
      long store, byte[] pursuit, byte[] requirement, byte[] path, byte[] caption)
      throws CairnException;

  static native byte[] evidenceList(long store, byte[] pursuit) throws CairnException;

  static native long captureBegin(long store, byte[] pursuit, byte[] requirement, byte[] caption)
      throws CairnException;

  static native void captureWrite(long capture, byte[] bytes, int offset, int length)
      throws CairnException;

  static native byte[] captureFinish(long capture) throws CairnException;

  static native void captureFree(long capture);

  /** `options`: bit 0 metered, bit 1 large files on a metered network, bit 2 body files. */
  static native long syncBegin(long store, int options, Sync.Observer observer)
      throws CairnException;

  static native long enrolBegin(
      long store,
      byte[] serverUrl,
      byte[] pinSha256,
      byte[] code,
      byte[] deviceName,
      int options,
      Sync.Observer observer)
      throws CairnException;

  static native long evidenceFetchBegin(
      long store, byte[] evidence, int options, Sync.Observer observer) throws CairnException;

  /** A SyncStep; throws when the step is DONE and the sync failed. */
  static native byte[] syncNext(long sync) throws CairnException;

  static native void syncAnswer(long sync, byte[] answer) throws CairnException;

  static native void syncFail(long sync, byte[] message) throws CairnException;

  static native void syncRun(long sync) throws CairnException;

  static native byte[] syncReport(long sync) throws CairnException;

  static native void syncPause(long sync);

  static native void syncCancel(long sync);

  static native void syncFree(long sync);
}
