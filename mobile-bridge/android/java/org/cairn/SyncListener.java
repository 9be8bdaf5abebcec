package org.cairn;

import org.cairn.v1.SyncReport;

/**
 * Told whenever a sync's state changes or its progress moves, on the thread that drives the
 * sync. It may call {@link Sync#pause} or {@link Sync#cancel}, and nothing else of the sync or
 * its store.
 */
@FunctionalInterface
public interface SyncListener {
  void onReport(SyncReport report);
}
