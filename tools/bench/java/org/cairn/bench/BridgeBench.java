package org.cairn.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import org.cairn.Store;
import org.cairn.Sync;
import org.cairn.SyncOptions;

/**
 * The JNI layer's figures (issue 13), the Java side of `tools/bench/run bridge`: the same small
 * calls and the same sync as cairn_bench_bridge measures through the C ABI and the C++ API, here
 * through org.cairn (JNI, UTF-8 byte[] text, protobuf parsed into Java objects). The run script
 * puts the two side by side.
 *
 * <p>System properties: bridge.calls (2000), bridge.catalog (a catalog store is made by
 * enrolling), bridge.server, bridge.pin, bridge.code (an educator's enrol code), bridge.changes
 * (1000), bridge.rounds (5). Prints one JSON line.
 */
public final class BridgeBench {
  private BridgeBench() {}

  public static void main(String[] args) throws Exception {
    final int calls = Integer.getInteger("bridge.calls", 2000);
    final int changes = Integer.getInteger("bridge.changes", 1000);
    final int rounds = Integer.getInteger("bridge.rounds", 5);
    final Path work = Files.createTempDirectory("cairn-bench-jni");
    try (Store store = Store.open(work.resolve("store").toString(), () -> new byte[32])) {
      try (Sync enrol =
          store.beginEnrol(
              System.getProperty("bridge.server"),
              System.getProperty("bridge.pin"),
              System.getProperty("bridge.code"),
              "bench jni",
              new SyncOptions(),
              null)) {
        enrol.run();
      }
      final String pursuit = store.startPursuit("exit-tickets");
      // Warm the JIT and the store's caches, as the C++ side warms nothing but has no JIT.
      for (int i = 0; i < 200; ++i) {
        store.answer(pursuit, "context", "Warm-up " + i);
        store.catalog();
      }
      final int perRound = calls / 10;
      long answerNs = 0;
      long listNs = 0;
      for (int round = 0; round < 10; ++round) {
        long start = System.nanoTime();
        for (int i = 0; i < perRound; ++i) {
          store.answer(pursuit, "context", "Answer " + (round * perRound + i) + " of the context.");
        }
        answerNs += System.nanoTime() - start;
        start = System.nanoTime();
        for (int i = 0; i < perRound; ++i) {
          if (store.catalog().isEmpty()) throw new AssertionError("an empty catalog");
        }
        listNs += System.nanoTime() - start;
      }
      final double made = perRound * 10.0;
      // The warm-up's changes go with a first, untimed sync.
      try (Sync sync = store.beginSync(new SyncOptions(), null)) {
        sync.run();
      }
      long syncNs = 0;
      for (int round = 0; round < rounds; ++round) {
        for (int i = 0; i < changes; ++i) {
          store.answer(pursuit, "context", "Draft " + (round * changes + i));
        }
        final long start = System.nanoTime();
        try (Sync sync = store.beginSync(new SyncOptions(), null)) {
          if (sync.run().getPushed() < changes) throw new AssertionError("not every change went");
        }
        syncNs += System.nanoTime() - start;
      }
      System.out.printf(
          "{\"workload\":\"bridge-jni\",\"calls\":%d,\"answer_us\":%.2f,\"catalog_list_us\":%.2f,"
              + "\"sync\":{\"changes\":%d,\"rounds\":%d,\"jni_ms\":%.2f}}%n",
          (long) made,
          answerNs / made / 1000.0,
          listNs / made / 1000.0,
          changes,
          rounds,
          syncNs / (double) rounds / 1e6);
    }
  }
}
