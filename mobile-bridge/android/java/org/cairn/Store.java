package org.cairn;

import com.google.protobuf.InvalidProtocolBufferException;
import java.util.List;
import org.cairn.v1.Assessment;
import org.cairn.v1.AssessmentList;
import org.cairn.v1.CheckResult;
import org.cairn.v1.ConflictList;
import org.cairn.v1.Credential;
import org.cairn.v1.CredentialList;
import org.cairn.v1.EvidenceItem;
import org.cairn.v1.EvidenceList;
import org.cairn.v1.MicroCredential;
import org.cairn.v1.MicroCredentialList;
import org.cairn.v1.Pursuit;
import org.cairn.v1.PursuitList;
import org.cairn.v1.Verdict;

/**
 * One teacher's device store: the change log and the sealed evidence, fully usable offline
 * (cairn.h). Every method may be called from any thread; calls on one store run one at a time
 * in the core. Ids are text ("0190f3c2-7a1b-7c3d-8e4f-0123456789ab").
 */
public final class Store implements AutoCloseable {
  private final Handle handle;

  private Store(long handle) {
    this.handle = new Handle(handle, "store");
  }

  /** Opens (making it if needed) the store in directory `dir` with the evidence key from `keys`. */
  public static Store open(String dir, KeyProvider keys) throws CairnException {
    return new Store(Native.storeOpen(Native.utf8(dir), keys));
  }

  /** The ABI version of the native library (CAIRN_ABI_VERSION). */
  public static int abiVersion() {
    return Native.abiVersion();
  }

  /** The newest version of every micro-credential, by title. */
  public List<MicroCredential> catalog() throws CairnException {
    return parse(handle.call(Native::catalogList), MicroCredentialList::parseFrom)
        .getMicroCredentialsList();
  }

  public MicroCredential microCredential(String id) throws CairnException {
    return parse(handle.call(h -> Native.catalogShow(h, Native.utf8(id))), MicroCredential::parseFrom);
  }

  /** The micro-credentials in which every word of `query` occurs, best match first. */
  public List<MicroCredential> search(String query) throws CairnException {
    return parse(
            handle.call(h -> Native.catalogSearch(h, Native.utf8(query))),
            MicroCredentialList::parseFrom)
        .getMicroCredentialsList();
  }

  /** Starts a pursuit of the newest version of micro-credential `id`; returns the pursuit's id. */
  public String startPursuit(String id) throws CairnException {
    return Native.text(handle.call(h -> Native.pursuitStart(h, Native.utf8(id))));
  }

  public List<Pursuit> pursuits() throws CairnException {
    return parse(handle.call(Native::pursuitList), PursuitList::parseFrom).getPursuitsList();
  }

  public void answer(String pursuit, String question, String text) throws CairnException {
    handle.call(
        h -> {
          Native.pursuitAnswer(h, Native.utf8(pursuit), Native.utf8(question), Native.utf8(text));
          return null;
        });
  }

  public void reflect(String pursuit, String text) throws CairnException {
    handle.call(
        h -> {
          Native.pursuitReflect(h, Native.utf8(pursuit), Native.utf8(text));
          return null;
        });
  }

  /** What keeps the pursuit from being submitted, in words for the teacher; empty when nothing. */
  public List<CheckResult.Issue> check(String pursuit) throws CairnException {
    return parse(
            handle.call(h -> Native.pursuitCheck(h, Native.utf8(pursuit))), CheckResult::parseFrom)
        .getIssuesList();
  }

  /** Freezes the pursuit into a submission, offline; returns the submission's id. */
  public String submit(String pursuit) throws CairnException {
    return Native.text(handle.call(h -> Native.pursuitSubmit(h, Native.utf8(pursuit))));
  }

  /** The issuer's decisions on the pursuit's submissions, oldest first, with their feedback. */
  public List<Assessment> assessments(String pursuit) throws CairnException {
    return parse(
            handle.call(h -> Native.pursuitAssessments(h, Native.utf8(pursuit))),
            AssessmentList::parseFrom)
        .getAssessmentsList();
  }

  /** The Open Badges credentials earned, newest first, revoked ones included. */
  public List<Credential> credentials() throws CairnException {
    return parse(handle.call(Native::credentialList), CredentialList::parseFrom)
        .getCredentialsList();
  }

  /**
   * The credential (its id, a unique prefix, or its URL) as a file: "json", "jws", "pack" (for
   * verifying offline), "png" or "svg" (the badge baked with the JSON, or with `jws` the VC-JWT).
   */
  public byte[] exportCredential(String credential, String format, boolean jws)
      throws CairnException {
    return handle.call(
        h -> Native.credentialExport(h, Native.utf8(credential), Native.utf8(format), jws));
  }

  /**
   * Verifies a credential file offline; `nowMs` is the time its dates are judged at (0: now).
   * What is wrong with the credential is in the verdict.
   */
  public Verdict verify(byte[] file, String fileName, long nowMs) throws CairnException {
    return parse(
        handle.call(h -> Native.credentialVerify(h, file, Native.utf8(fileName), nowMs)),
        Verdict::parseFrom);
  }

  /** Free text edited on two devices at once, kept until the teacher chooses. */
  public List<ConflictList.Conflict> conflicts() throws CairnException {
    return parse(handle.call(Native::conflictList), ConflictList::parseFrom).getConflictsList();
  }

  /** Resolves a conflict with the chosen (or merged) text. */
  public void resolve(String entity, String field, String text) throws CairnException {
    handle.call(
        h -> {
          Native.conflictResolve(h, Native.utf8(entity), Native.utf8(field), Native.utf8(text));
          return null;
        });
  }

  /** Seals the file at `path` as evidence for artifact `requirement`; returns the item's id. */
  public String captureFile(String pursuit, String requirement, String path, String caption)
      throws CairnException {
    return Native.text(
        handle.call(
            h ->
                Native.evidenceCaptureFile(
                    h,
                    Native.utf8(pursuit),
                    Native.utf8(requirement),
                    Native.utf8(path),
                    Native.utf8(caption))));
  }

  /** Starts capturing evidence from a stream (a camera writing while it records). */
  public Capture beginCapture(String pursuit, String requirement, String caption)
      throws CairnException {
    return new Capture(
        handle.call(
            h ->
                Native.captureBegin(
                    h, Native.utf8(pursuit), Native.utf8(requirement), Native.utf8(caption))));
  }

  public List<EvidenceItem> evidence(String pursuit) throws CairnException {
    return parse(
            handle.call(h -> Native.evidenceList(h, Native.utf8(pursuit))), EvidenceList::parseFrom)
        .getEvidenceList();
  }

  /** A sync of this (enrolled) store; drive it with {@link Sync#runOver} or {@link Sync#run}. */
  public Sync beginSync(SyncOptions options, SyncListener listener) throws CairnException {
    final Sync.Observer observer = new Sync.Observer(listener);
    return new Sync(handle.call(h -> Native.syncBegin(h, options.bits(), observer)));
  }

  /**
   * Fetches the file of evidence item `evidence`, captured on another of the teacher's devices,
   * into this store; driven like a sync, resuming after what an earlier fetch kept.
   */
  public Sync beginFetch(String evidence, SyncOptions options, SyncListener listener)
      throws CairnException {
    final Sync.Observer observer = new Sync.Observer(listener);
    return new Sync(
        handle.call(
            h -> Native.evidenceFetchBegin(h, Native.utf8(evidence), options.bits(), observer)));
  }

  /**
   * Enrols this store with the server at `serverUrl` using the one-time code of `cairn-server
   * enrol-code`, then syncs; `pinSha256` is the hex SHA-256 of the server's certificate, or empty.
   */
  public Sync beginEnrol(
      String serverUrl,
      String pinSha256,
      String code,
      String deviceName,
      SyncOptions options,
      SyncListener listener)
      throws CairnException {
    final Sync.Observer observer = new Sync.Observer(listener);
    return new Sync(
        handle.call(
            h ->
                Native.enrolBegin(
                    h,
                    Native.utf8(serverUrl),
                    Native.utf8(pinSha256),
                    Native.utf8(code),
                    Native.utf8(deviceName),
                    options.bits(),
                    observer)));
  }

  /** Closes the store's files; syncs and captures made from it then fail. */
  @Override
  public void close() {
    handle.close(Native::storeFree);
  }

  /** A parser of generated protobuf code. */
  interface Parser<T> {
    T parse(byte[] bytes) throws InvalidProtocolBufferException;
  }

  static <T> T parse(byte[] bytes, Parser<T> parser) {
    try {
      return parser.parse(bytes);
    } catch (InvalidProtocolBufferException e) {
      // The library and the app were built from different schemas/.
      throw new IllegalStateException("the core's answer does not parse: " + e.getMessage(), e);
    }
  }
}
