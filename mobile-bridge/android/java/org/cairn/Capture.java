package org.cairn;

/**
 * Evidence captured from a stream while it is recorded: memory stays at about two 64 KiB chunks
 * however long the recording. A capture closed unfinished is discarded and leaves nothing behind.
 */
public final class Capture implements AutoCloseable {
  private final Handle handle;

  Capture(long handle) {
    this.handle = new Handle(handle, "capture");
  }

  public void write(byte[] bytes, int offset, int length) throws CairnException {
    if (offset < 0 || length < 0 || offset > bytes.length - length) {
      throw new IndexOutOfBoundsException(
          "offset " + offset + " and length " + length + " outside " + bytes.length + " bytes");
    }
    handle.call(
        h -> {
          Native.captureWrite(h, bytes, offset, length);
          return null;
        });
  }

  /** Seals and records the evidence; returns the evidence item's id. */
  public String finish() throws CairnException {
    return Native.text(handle.call(Native::captureFinish));
  }

  @Override
  public void close() {
    handle.close(Native::captureFree);
  }
}
