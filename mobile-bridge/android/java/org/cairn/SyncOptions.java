package org.cairn;

/** How a sync may use the network (cairn_sync_options). */
public final class SyncOptions {
  private boolean metered;
  private boolean allowLargeOnMetered;
  private boolean bodyFiles;

  /** The network is metered (mobile data): evidence files over 20 MiB wait. */
  public SyncOptions metered(boolean value) {
    metered = value;
    return this;
  }

  public SyncOptions allowLargeOnMetered(boolean value) {
    allowLargeOnMetered = value;
    return this;
  }

  /**
   * Evidence request bodies come as a file range in the store's directory (a background upload
   * task uploads files), up to 64 MiB per request, instead of bytes of at most 4 MiB.
   */
  public SyncOptions bodyFiles(boolean value) {
    bodyFiles = value;
    return this;
  }

  int bits() {
    return (metered ? 1 : 0) | (allowLargeOnMetered ? 2 : 0) | (bodyFiles ? 4 : 0);
  }
}
