package org.cairn;

import java.io.IOException;
import org.cairn.v1.HttpAnswer;
import org.cairn.v1.HttpExchange;

/**
 * The app's HTTP stack (OkHttp, java.net.http, a WorkManager worker): sends one request of a
 * sync exactly as given — its method, absolute URL, headers, and body or body file range —
 * trusting the server by the exchange's pin when it has one, and returns the answer with every
 * header and the body as received (Cairn decodes zstd itself).
 */
@FunctionalInterface
public interface Transport {
  /** Throws IOException when no answer came (no network, a timeout, a cut connection). */
  HttpAnswer send(HttpExchange request) throws IOException;
}
