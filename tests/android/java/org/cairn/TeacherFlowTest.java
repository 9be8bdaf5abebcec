package org.cairn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.cairn.v1.Assessment;
import org.cairn.v1.CheckResult;
import org.cairn.v1.ConflictList;
import org.cairn.v1.Credential;
import org.cairn.v1.MicroCredential;
import org.cairn.v1.Pursuit;
import org.cairn.v1.PursuitStatus;
import org.cairn.v1.RubricCriterion;
import org.cairn.v1.SyncReport;
import org.cairn.v1.Verdict;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole teacher flow from Java, exactly as an Android app drives the core: a real
 * `cairn-server` on loopback TLS, the app's own Transport (java.net.http, pinned certificate),
 * the store with its key from a KeyProvider. Enrol, browse and search, pursue, capture photos
 * and a 52 MiB video from a stream, answer, reflect (with emoji), check, submit, sync with
 * progress, the server killed mid-upload and the upload resumed, the issuer's decision through
 * the issuer API, and the status, feedback and badge on the next sync; a conflict between her
 * phone and her tablet resolved; the badge exported and verified offline.
 */
final class TeacherFlowTest {
  private static final String MICRO_CREDENTIAL = "exit-tickets";
  private static final byte[] KEY = new byte[32];

  @TempDir Path work;
  private CairnServer server;
  private String issuerToken;
  private String user;

  @BeforeEach
  void startServer() throws Exception {
    server = new CairnServer(Path.of(System.getProperty("cairn.server")), work);
    server.admin("catalog", "publish", System.getProperty("cairn.catalog"));
    final String issuer =
        server.admin("issuer", "add", "northbridge-institute", "--name", "Northbridge Institute");
    final Matcher token = Pattern.compile("api-token: (\\S+)").matcher(issuer);
    assertTrue(token.find(), issuer);
    issuerToken = token.group(1);
    user = server.admin("user", "add", "--name", "Maria", "--role", "educator");
    server.start();
  }

  @AfterEach
  void stopServer() throws Exception {
    server.close();
  }

  private static String words(int n, String word) {
    return String.join(" ", Collections.nCopies(n, word));
  }

  /** Every state a sync passed through, in order, without repeats. */
  private static List<SyncReport.State> states(List<SyncReport> reports) {
    final List<SyncReport.State> states = new ArrayList<>();
    for (SyncReport r : reports) {
      if (states.isEmpty() || states.get(states.size() - 1) != r.getState()) {
        states.add(r.getState());
      }
    }
    return states;
  }

  @Test
  void aTeacherEarnsTheBadgeFromHerPhone() throws Exception {
    final String code = server.admin("enrol-code", user);
    final PinnedHttpTransport transport = new PinnedHttpTransport(server.fingerprint());
    try (Store store = Store.open(work.resolve("phone").toString(), () -> KEY.clone())) {
      // Enrol: the catalog comes down in the same sync.
      final List<SyncReport> enrolReports = Collections.synchronizedList(new ArrayList<>());
      try (Sync enrol =
          store.beginEnrol(
              server.url(),
              server.fingerprint(),
              code,
              "Maria's phone",
              new SyncOptions(),
              enrolReports::add)) {
        final SyncReport done = enrol.runOver(transport);
        assertEquals("ok", done.getOutcome().getCode());
        assertTrue(done.getPulled() > 0);
      }
      assertEquals(
          List.of(SyncReport.State.ENROLLING, SyncReport.State.CHANGES, SyncReport.State.DONE),
          states(enrolReports));

      // Browse and search.
      final List<MicroCredential> catalog = store.catalog();
      assertFalse(catalog.isEmpty());
      final List<MicroCredential> found = store.search("exit ticket");
      assertEquals(MICRO_CREDENTIAL, found.get(0).getId());
      final MicroCredential mc = store.microCredential(MICRO_CREDENTIAL);

      // Pursue; the check names what is missing, in words for the teacher.
      final String pursuit = store.startPursuit(MICRO_CREDENTIAL);
      final List<CheckResult.Issue> missing = store.check(pursuit);
      assertTrue(
          missing.stream().anyMatch(i -> i.getRequirementId().equals("classroom-video")),
          missing.toString());
      assertTrue(missing.stream().allMatch(i -> !i.getMessage().isEmpty()));

      store.answer(pursuit, "context", words(25, "context"));
      store.answer(pursuit, "design", words(30, "design"));
      final String reflection = words(40, "reflection") + " 🎉 the class loved it, ¡qué bien!";
      store.reflect(pursuit, reflection);
      final Pursuit stored =
          store.pursuits().stream()
              .filter(p -> p.getMicroCredentialId().equals(MICRO_CREDENTIAL))
              .findFirst()
              .orElseThrow();
      assertEquals(reflection, stored.getReflection(), "emoji survive JNI both ways");

      // Her tablet, enrolled to the same account, edits the reflection while the phone does too:
      // both texts are kept as a conflict until she chooses.
      try (Sync sync = store.beginSync(new SyncOptions(), null)) {
        sync.runOver(transport);
      }
      try (Store tablet = Store.open(work.resolve("tablet").toString(), () -> KEY.clone())) {
        try (Sync enrol =
            tablet.beginEnrol(
                server.url(),
                server.fingerprint(),
                server.admin("enrol-code", user),
                "Maria's tablet",
                new SyncOptions(),
                null)) {
          enrol.runOver(transport);
        }
        tablet.reflect(pursuit, reflection + " Written on the tablet.");
        store.reflect(pursuit, reflection + " Written on the phone.");
        try (Sync sync = tablet.beginSync(new SyncOptions(), null)) {
          sync.runOver(transport);
        }
      }
      try (Sync sync = store.beginSync(new SyncOptions(), null)) {
        sync.runOver(transport);
      }
      final List<ConflictList.Conflict> conflicts = store.conflicts();
      assertEquals(1, conflicts.size(), conflicts.toString());
      assertEquals("reflection", conflicts.get(0).getField());
      assertEquals(2, conflicts.get(0).getValuesCount());
      assertTrue(conflicts.get(0).getValuesList().contains(reflection + " Written on the tablet."));
      store.resolve(conflicts.get(0).getEntityId(), "reflection", reflection);
      assertEquals(List.of(), store.conflicts());

      // Two photos of student work from files, the video from a stream as a camera writes it.
      final byte[] png = Files.readAllBytes(Path.of(System.getProperty("cairn.png")));
      for (int i = 0; i < 2; ++i) {
        final Path photo = work.resolve("ticket-" + i + ".png");
        Files.write(photo, png);
        Files.writeString(photo, "ticket " + i, java.nio.file.StandardOpenOption.APPEND);
        store.captureFile(pursuit, "student-work", photo.toString(), "Ticket " + i);
      }
      final long videoSize = 52L << 20;
      try (Capture video = store.beginCapture(pursuit, "classroom-video", "The lesson")) {
        final byte[] piece = new byte[256 << 10];
        final Random random = new Random(7);
        for (long written = 0; written < videoSize; written += piece.length) {
          random.nextBytes(piece);
          if (written == 0) {
            final byte[] ftyp = "\0\0\0\u0018ftypmp42\0\0\0\0mp42isom".getBytes(StandardCharsets.ISO_8859_1);
            System.arraycopy(ftyp, 0, piece, 0, ftyp.length);
          }
          video.write(piece, 0, piece.length);
        }
        assertFalse(video.finish().isEmpty());
      }
      assertEquals(3, store.evidence(pursuit).size());
      assertEquals(List.of(), store.check(pursuit));
      assertFalse(store.submit(pursuit).isEmpty());

      // Sync with progress; the server is killed once 16 MiB of the video are up and comes
      // back, and the upload resumes where the server's verified chunks end.
      final List<SyncReport> reports = Collections.synchronizedList(new ArrayList<>());
      final AtomicBoolean killed = new AtomicBoolean();
      final List<Thread> restarts = new ArrayList<>();
      final SyncListener listener =
          report -> {
            reports.add(report);
            if (report.getCurrentDoneBytes() >= (16L << 20) && killed.compareAndSet(false, true)) {
              try {
                server.kill();
              } catch (InterruptedException e) {
                throw new AssertionError(e);
              }
              final Thread restart =
                  new Thread(
                      () -> {
                        try {
                          Thread.sleep(300);
                          server.start();
                        } catch (Exception e) {
                          throw new AssertionError(e);
                        }
                      });
              restart.start();
              restarts.add(restart);
            }
          };
      final long sentBefore = transport.bodyBytes.get();
      try (Sync sync = store.beginSync(new SyncOptions().bodyFiles(true), listener)) {
        final SyncReport done = sync.runOver(transport);
        assertEquals("ok", done.getOutcome().getCode(), done.getOutcome().getMessage());
        assertEquals(3, done.getEvidenceUploaded());
        assertEquals(done.getEvidenceTotalBytes(), done.getEvidenceDoneBytes());
      }
      for (Thread restart : restarts) restart.join();
      assertTrue(killed.get(), "the server was killed mid-upload");
      final List<SyncReport.State> seen = states(reports);
      assertTrue(seen.contains(SyncReport.State.WAITING), seen.toString());
      assertEquals(SyncReport.State.DONE, seen.get(seen.size() - 1));
      assertTrue(transport.fileBodies.get() > 0, "evidence went from body files");
      final long sent = transport.bodyBytes.get() - sentBefore;
      assertTrue(sent < videoSize + (24L << 20), "the upload resumed, not restarted: " + sent);
      long previous = -1;
      for (SyncReport r : reports) {
        if (r.getState() == SyncReport.State.EVIDENCE && r.getCurrentCaption().equals("The lesson")) {
          assertTrue(r.getCurrentSize() == videoSize);
          previous = Math.max(previous, r.getCurrentDoneBytes());
        }
      }
      assertEquals(videoSize, previous, "progress reached the whole video");

      // The issuer scores every criterion "pass" and confirms the award.
      final String submissions = issuer("GET", "/v1/issuer/submissions?state=complete", null);
      final Matcher id = Pattern.compile("\"submissions\":\\[\\{\"id\":\"([^\"]+)\"").matcher(submissions);
      assertTrue(id.find(), submissions);
      final String scores =
          mc.getRubric().getCriteriaList().stream()
              .map(RubricCriterion::getId)
              .map(c -> "{\"criterion_id\":\"" + c + "\",\"level_id\":\"pass\"}")
              .collect(Collectors.joining(","));
      final String feedback = "Every question checks the objective. Well done!";
      issuer(
          "POST",
          "/v1/issuer/submissions/" + id.group(1) + "/assessment",
          "{\"assessor\":\"Rosa Assessor\",\"scores\":[" + scores + "],\"feedback\":\"" + feedback + "\"}");
      final String decided =
          issuer(
              "POST",
              "/v1/issuer/submissions/" + id.group(1) + "/decision",
              "{\"decision\":\"award\",\"confirmed_by\":\"Lee Issuer\"}");
      assertTrue(decided.contains("\"credential\""), decided);

      // The next sync, this time over the built-in transport, brings the status, the feedback
      // and the badge.
      try (Sync sync = store.beginSync(new SyncOptions(), null)) {
        assertEquals("ok", sync.run().getOutcome().getCode());
      }
      final Pursuit awarded =
          store.pursuits().stream()
              .filter(p -> p.getMicroCredentialId().equals(MICRO_CREDENTIAL))
              .findFirst()
              .orElseThrow();
      assertEquals(PursuitStatus.PURSUIT_STATUS_AWARDED, awarded.getStatus());
      final List<Assessment> assessments = store.assessments(pursuit);
      assertEquals(1, assessments.size());
      assertEquals(feedback, assessments.get(0).getFeedback());
      final List<Credential> credentials = store.credentials();
      assertEquals(1, credentials.size());
      final Credential badge = credentials.get(0);
      assertEquals("active", badge.getState());
      assertEquals(mc.getTitle(), badge.getTitle());
      assertTrue(badge.getJson().contains("OpenBadgeCredential"), badge.getJson());
      assertNotNull(badge.getJws());

      // Her tablet fetches the lesson video the phone captured, through the app's transport.
      try (Store tablet = Store.open(work.resolve("tablet").toString(), () -> KEY.clone())) {
        try (Sync sync = tablet.beginSync(new SyncOptions(), null)) {
          sync.runOver(transport);
        }
        final String video =
            tablet.evidence(pursuit).stream()
                .filter(e -> e.getRequirementId().equals("classroom-video"))
                .map(e -> idText(e.getId().toByteArray()))
                .findFirst()
                .orElseThrow();
        final List<SyncReport> fetchReports = Collections.synchronizedList(new ArrayList<>());
        try (Sync fetch = tablet.beginFetch(video, new SyncOptions(), fetchReports::add)) {
          final SyncReport fetched = fetch.runOver(transport);
          assertEquals("ok", fetched.getOutcome().getCode(), fetched.getOutcome().getMessage());
          assertEquals(videoSize, fetched.getFetchSize());
          assertEquals(videoSize, fetched.getFetchedBytes());
        }
        assertTrue(states(fetchReports).contains(SyncReport.State.FETCHING), states(fetchReports).toString());
        // Held now: a second fetch asks nothing.
        final int before = transport.requests.get();
        try (Sync again = tablet.beginFetch(video, new SyncOptions(), null)) {
          assertEquals("ok", again.runOver(transport).getOutcome().getCode());
        }
        assertEquals(before, transport.requests.get());
      }

      // The badge as the files a wallet or a recognizer takes, verified offline on the phone.
      final Verdict packVerdict =
          store.verify(store.exportCredential(badge.getCredentialId(), "pack", false), "pack.json", 0);
      assertTrue(packVerdict.getValid(), packVerdict.toString());
      assertEquals("this device", packVerdict.getKeysFrom());
      final byte[] baked = store.exportCredential(badge.getCredentialId(), "png", false);
      assertEquals((byte) 0x89, baked[0]);
      final Verdict pngVerdict = store.verify(baked, "badge.png", 0);
      assertTrue(pngVerdict.getValid(), pngVerdict.toString());
      assertTrue(pngVerdict.getWhat().contains("PNG"), pngVerdict.getWhat());
      // A credential altered after it was signed fails its proof, and the verdict says so.
      final String json =
          new String(store.exportCredential(badge.getCredentialId(), "json", false), StandardCharsets.UTF_8);
      final String altered = json.replace(mc.getTitle(), mc.getTitle() + " (altered)");
      assertFalse(altered.equals(json));
      final Verdict forged = store.verify(altered.getBytes(StandardCharsets.UTF_8), "altered.json", 0);
      assertFalse(forged.getValid());
      assertTrue(
          forged.getChecksList().stream().anyMatch(c -> c.getName().equals("proof") && !c.getOk()),
          forged.toString());
    }
  }

  /** An entity id's 16 bytes as its text form, as the ABI takes ids. */
  private static String idText(byte[] id) {
    final String hex = java.util.HexFormat.of().formatHex(id);
    return hex.substring(0, 8)
            + "-"
            + hex.substring(8, 12)
            + "-"
            + hex.substring(12, 16)
            + "-"
            + hex.substring(16, 20)
            + "-"
            + hex.substring(20);
  }

  /** A call to the issuer API over TLS pinned to the server's certificate; answers 200. */
  private String issuer(String method, String path, String body) throws Exception {
    final HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .sslContext(PinTrust.context(server.fingerprint()))
            .build();
    final HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(server.url() + path))
            .header("Authorization", "Bearer " + issuerToken)
            .header("Accept", "application/json");
    if (body != null) request.header("Content-Type", "application/json");
    request.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    final HttpResponse<String> response =
        client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    assertEquals(200, response.statusCode(), method + " " + path + ": " + response.body());
    return response.body();
  }
}
