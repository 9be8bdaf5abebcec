package org.cairn;

import java.nio.charset.StandardCharsets;

/**
 * A failure inside Cairn's core: the code of the one table of codes (docs/protocol.md "Errors",
 * the same numbers as cairn.h), whether the same call may succeed later, and a message for the
 * teacher that says what went wrong, where, and how to fix it.
 */
public final class CairnException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int code;
  private final boolean retryable;

  /** Made by the JNI layer: the message arrives as UTF-8 bytes, never as modified UTF-8. */
  CairnException(int code, byte[] message, boolean retryable) {
    super(new String(message, StandardCharsets.UTF_8));
    this.code = code;
    this.retryable = retryable;
  }

  /** The code's number, as CAIRN_* in cairn.h (3 is CAIRN_FAILED_PRECONDITION, ...). */
  public int code() {
    return code;
  }

  /** The code's wire name: "invalid_argument", "unavailable", ... */
  public String codeName() {
    return Native.text(Native.codeName(code));
  }

  /** True when the same call may succeed later (the network came back, the server is less busy). */
  public boolean retryable() {
    return retryable;
  }
}
