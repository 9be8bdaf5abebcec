package org.cairn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java API's contract without a server: errors, handles, the key provider, text. */
final class ApiTest {
  @TempDir Path work;

  private Store open() throws CairnException {
    return Store.open(work.resolve("store").toString(), () -> new byte[32]);
  }

  @Test
  void theAbiVersionIsTheHeadersOne() {
    assertEquals(1, Store.abiVersion());
  }

  @Test
  void failuresCarryTheTablesCodeRetryableAndAMessageForTheTeacher() throws Exception {
    try (Store store = open()) {
      final CairnException unknown =
          assertThrows(CairnException.class, () -> store.microCredential("no-such-thing"));
      assertEquals("not_found", unknown.codeName());
      assertEquals(2, unknown.code()); // CAIRN_NOT_FOUND
      assertFalse(unknown.retryable());
      assertTrue(unknown.getMessage().contains("no-such-thing"), unknown.getMessage());

      final CairnException badId =
          assertThrows(CairnException.class, () -> store.answer("not-an-id", "context", "x"));
      assertEquals("invalid_argument", badId.codeName());
      assertTrue(badId.getMessage().contains("pursuit"), badId.getMessage());

      // Not enrolled: syncing says what to do first.
      final CairnException notEnrolled =
          assertThrows(CairnException.class, () -> store.beginSync(new SyncOptions(), null));
      assertEquals("failed_precondition", notEnrolled.codeName());
      assertTrue(notEnrolled.getMessage().contains("enrol"), notEnrolled.getMessage());
    }
  }

  @Test
  void textOutsideTheBasicPlaneCrossesBothWays() throws Exception {
    try (Store store = open()) {
      // The message names the id as given, emoji and all: the error's text is UTF-8, not
      // JNI's modified UTF-8.
      final CairnException e =
          assertThrows(CairnException.class, () -> store.microCredential("🎒-credential"));
      assertTrue(e.getMessage().contains("🎒-credential"), e.getMessage());
    }
  }

  @Test
  void theKeyProvidersOwnExceptionComesBackToTheApp() {
    final IllegalStateException locked =
        assertThrows(
            IllegalStateException.class,
            () ->
                Store.open(
                    work.resolve("locked").toString(),
                    () -> {
                      throw new IllegalStateException("the device is locked");
                    }));
    assertEquals("the device is locked", locked.getMessage());
    final CairnException shortKey =
        assertThrows(
            CairnException.class,
            () -> Store.open(work.resolve("short").toString(), () -> new byte[16]));
    assertEquals("invalid_argument", shortKey.codeName());
  }

  @Test
  void aClosedHandleIsRefusedNotReached() throws Exception {
    final Store store = open();
    store.close();
    store.close();
    assertThrows(IllegalStateException.class, store::catalog);
  }

  @Test
  void aCaptureForAPursuitThatDoesNotExistIsRefusedBeforeItRecords() throws Exception {
    try (Store store = open()) {
      final CairnException noPursuit =
          assertThrows(
              CairnException.class,
              () ->
                  store.beginCapture(
                      "0190f3c2-7a1b-7c3d-8e4f-0123456789ab", "classroom-video", "clip"));
      assertEquals("not_found", noPursuit.codeName());
    }
  }
}
