package org.cairn;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.cairn.v1.HttpAnswer;
import org.cairn.v1.HttpExchange;
import org.cairn.v1.HttpHeader;

/**
 * The app's Transport as an Android app would write it, here with java.net.http: each request
 * goes exactly as the bridge gives it (its body from bytes, or from the body file as a background
 * upload task would send it), over TLS that trusts exactly the certificate the exchange pins.
 */
final class PinnedHttpTransport implements Transport {
  final AtomicInteger requests = new AtomicInteger();
  final AtomicInteger fileBodies = new AtomicInteger();
  final AtomicLong bodyBytes = new AtomicLong();
  private final HttpClient client;

  PinnedHttpTransport(String pinSha256) throws Exception {
    client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .sslContext(PinTrust.context(pinSha256))
            .connectTimeout(Duration.ofSeconds(10))
            .build();
  }

  @Override
  public HttpAnswer send(HttpExchange exchange) throws IOException {
    requests.incrementAndGet();
    final HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(exchange.getUrl())).timeout(Duration.ofSeconds(60));
    for (HttpHeader header : exchange.getHeadersList()) {
      request.header(header.getName(), header.getValue());
    }
    request.method(exchange.getMethod(), body(exchange));
    final HttpResponse<byte[]> response;
    try {
      response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    final HttpAnswer.Builder answer =
        HttpAnswer.newBuilder()
            .setStatus(response.statusCode())
            .setBody(ByteString.copyFrom(response.body()));
    for (Map.Entry<String, List<String>> header : response.headers().map().entrySet()) {
      for (String value : header.getValue()) {
        answer.addHeaders(HttpHeader.newBuilder().setName(header.getKey()).setValue(value));
      }
    }
    return answer.build();
  }

  private HttpRequest.BodyPublisher body(HttpExchange exchange) throws IOException {
    if (!exchange.hasBodyFile()) {
      bodyBytes.addAndGet(exchange.getBody().size());
      return exchange.getBody().isEmpty()
          ? HttpRequest.BodyPublishers.noBody()
          : HttpRequest.BodyPublishers.ofByteArray(exchange.getBody().toByteArray());
    }
    fileBodies.incrementAndGet();
    final Path path = Path.of(exchange.getBodyFile().getPath());
    final long offset = exchange.getBodyFile().getOffset();
    final long length = exchange.getBodyFile().getLength();
    bodyBytes.addAndGet(length);
    if (offset == 0 && Files.size(path) == length) return HttpRequest.BodyPublishers.ofFile(path);
    final byte[] bytes = new byte[Math.toIntExact(length)];
    try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "r")) {
      file.seek(offset);
      file.readFully(bytes);
    }
    return HttpRequest.BodyPublishers.ofByteArray(bytes);
  }
}
