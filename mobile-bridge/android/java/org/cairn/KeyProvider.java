package org.cairn;

/**
 * Gives the 32-byte key that seals evidence at rest. An app keeps it in the Android Keystore
 * (wrapped by a Keystore key) and returns the same bytes on every open. Called on the thread of
 * {@link Store#open}, before it returns.
 */
@FunctionalInterface
public interface KeyProvider {
  byte[] evidenceKey() throws Exception;
}
