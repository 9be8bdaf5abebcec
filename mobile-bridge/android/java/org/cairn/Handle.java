package org.cairn;

import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A native handle that calls share and close frees: calls run under the read lock (so they run
 * concurrently, as the C ABI allows), close takes the write lock and so waits for the calls in
 * progress, and a call after close fails instead of reaching freed memory.
 */
final class Handle {
  /** A call on the native handle. */
  interface Call<T> {
    T on(long handle) throws CairnException;
  }

  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final String what;
  private long handle;

  Handle(long handle, String what) {
    this.handle = handle;
    this.what = what;
  }

  <T> T call(Call<T> call) throws CairnException {
    lock.readLock().lock();
    try {
      if (handle == 0) {
        throw new IllegalStateException("the " + what + " is closed");
      }
      return call.on(handle);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Runs `free` once on the handle; later calls of close do nothing. */
  void close(java.util.function.LongConsumer free) {
    lock.writeLock().lock();
    try {
      if (handle != 0) {
        free.accept(handle);
        handle = 0;
      }
    } finally {
      lock.writeLock().unlock();
    }
  }
}
