package org.cairn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A real `cairn-server` for the Java tests: its administration commands run to completion, and
 * `serve` runs on loopback with its own TLS certificate, as a district runs it. Kill and Start
 * again keep the port and the data, so that a device's sync resumes against the same server.
 */
final class CairnServer {
  private final Path binary;
  private final Path work;
  private Process serve;
  private int port;
  private String fingerprint = "";

  CairnServer(Path binary, Path work) {
    this.binary = binary;
    this.work = work;
  }

  /** `cairn-server --data DATA args...`, which must exit 0; its stdout. */
  String admin(String... args) throws IOException, InterruptedException {
    final List<String> argv = new ArrayList<>(List.of(binary.toString(), "--data", data()));
    argv.addAll(List.of(args));
    final Path out = work.resolve("admin.out");
    final Path err = work.resolve("admin.err");
    final Process p =
        new ProcessBuilder(argv)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    final int code = p.waitFor();
    final String stdout = Files.readString(out, StandardCharsets.UTF_8);
    assertEquals(
        0, code, String.join(" ", args) + ": " + Files.readString(err, StandardCharsets.UTF_8));
    return stdout.strip();
  }

  /** Starts `serve` and returns once it listens (on the port it had before, after a Kill). */
  void start() throws IOException, InterruptedException {
    final Path portFile = work.resolve("port");
    Files.deleteIfExists(portFile);
    final Path out = work.resolve("serve.out");
    serve =
        new ProcessBuilder(
                binary.toString(),
                "--data",
                data(),
                "serve",
                "--listen",
                "127.0.0.1:" + port,
                "--port-file",
                portFile.toString())
            .redirectOutput(out.toFile())
            .redirectError(work.resolve("serve.log").toFile())
            .start();
    final Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (!Files.exists(portFile)) {
      if (!serve.isAlive() || Instant.now().isAfter(deadline)) {
        throw new IOException("cairn-server serve did not start: " + log());
      }
      Thread.sleep(20);
    }
    port = Integer.parseInt(Files.readString(portFile).strip());
    for (String line : Files.readAllLines(out)) {
      if (line.startsWith("certificate sha256 ")) fingerprint = line.substring(19);
    }
  }

  /** SIGKILL, as a power cut or the OOM killer would. */
  void kill() throws InterruptedException {
    serve.destroyForcibly();
    serve.waitFor();
  }

  String url() {
    return "https://127.0.0.1:" + port;
  }

  String fingerprint() {
    return fingerprint;
  }

  String log() throws IOException {
    final Path log = work.resolve("serve.log");
    return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
  }

  private String data() {
    return work.resolve("data").toString();
  }

  /** SIGTERM, and waits for the exit. */
  void close() throws InterruptedException {
    if (serve != null && serve.isAlive()) {
      serve.destroy();
      serve.waitFor();
    }
  }
}
