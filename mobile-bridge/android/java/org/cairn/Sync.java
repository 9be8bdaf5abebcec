package org.cairn;

import java.io.IOException;
import org.cairn.v1.HttpAnswer;
import org.cairn.v1.SyncReport;
import org.cairn.v1.SyncStep;

/**
 * One sync: the changes, then the evidence they name (cairn.h, "Sync"). Driven step by step
 * through the app's {@link Transport} ({@link #runOver}, or {@link #next} / {@link #answer} /
 * {@link #fail} for a driver of one's own, such as a WorkManager worker), or whole by the
 * built-in transport ({@link #run}), not both. {@link #pause} and {@link #cancel} may be called
 * from any thread, the listener included.
 */
public final class Sync implements AutoCloseable {
  private final Handle handle;

  Sync(long handle) {
    this.handle = new Handle(handle, "sync");
  }

  /**
   * The next step. SEND: send its request and call {@link #answer} or {@link #fail}; WAIT: call
   * again after wait_ms; DONE: the sync ended well. Throws when it ended otherwise (unavailable
   * after its retries, aborted when paused or cancelled, a refusal); {@link #report} then says
   * where it stands.
   */
  public SyncStep next() throws CairnException {
    return Store.parse(handle.call(Native::syncNext), SyncStep::parseFrom);
  }

  public void answer(HttpAnswer answer) throws CairnException {
    handle.call(
        h -> {
          Native.syncAnswer(h, answer.toByteArray());
          return null;
        });
  }

  /** The last SEND got no answer; `why` is what the HTTP stack said. */
  public void fail(String why) throws CairnException {
    handle.call(
        h -> {
          Native.syncFail(h, Native.utf8(why));
          return null;
        });
  }

  /** Drives the sync to its end over `transport`, sleeping through WAIT steps. */
  public SyncReport runOver(Transport transport) throws CairnException, InterruptedException {
    while (true) {
      final SyncStep step = next();
      switch (step.getKind()) {
        case DONE:
          return step.getReport();
        case WAIT:
          Thread.sleep(step.getWaitMs());
          break;
        case SEND:
          final HttpAnswer answer;
          try {
            answer = transport.send(step.getRequest());
          } catch (IOException e) {
            fail(e.toString());
            break;
          }
          answer(answer);
          break;
        default:
          throw new IllegalStateException("a step of kind " + step.getKind() + " is not known");
      }
    }
  }

  /** Runs the whole sync with the built-in transport (HTTP/1.1 over TLS); blocks. */
  public SyncReport run() throws CairnException {
    handle.call(
        h -> {
          Native.syncRun(h);
          return null;
        });
    return report();
  }

  public SyncReport report() throws CairnException {
    return Store.parse(handle.call(Native::syncReport), SyncReport::parseFrom);
  }

  public void pause() {
    callQuietly(Native::syncPause);
  }

  public void cancel() {
    callQuietly(Native::syncCancel);
  }

  @Override
  public void close() {
    handle.close(Native::syncFree);
  }

  private void callQuietly(java.util.function.LongConsumer call) {
    try {
      handle.call(
          h -> {
            call.accept(h);
            return null;
          });
    } catch (CairnException e) {
      throw new AssertionError("pause and cancel do not fail", e);
    }
  }

  /** What the JNI layer calls with each SyncReport's bytes; hands it to the app's listener. */
  static final class Observer {
    private final SyncListener listener;

    Observer(SyncListener listener) {
      this.listener = listener;
    }

    void deliver(byte[] report) {
      if (listener != null) listener.onReport(Store.parse(report, SyncReport::parseFrom));
    }
  }
}
